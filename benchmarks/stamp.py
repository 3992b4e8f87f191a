"""Stamp a ~100-page bulletin for one download; compare with building it.

A bulletin is generated (benchmarks/bulletin_bench.py's posts) and built as the site builds
it (render workers started, parts cache emptied); then the frozen PDF is stamped as a
download stamps it (render/copies.py: the holder's line and an invisible id over every page):
the first copy of the file (which prepares what all its copies share) and the next one,
--runs times each, the shortest kept. Prints both figures and their ratio; the issue's budget is
≤ 0.3 s and ≤ 0.2× the build.

    .venv/bin/python benchmarks/stamp.py [--posts 66] [--paragraphs 8] [--runs 5] [--out DIR]
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FONTCONFIG_FILE", str(ROOT / "static" / "fonts" / "fonts.conf"))

from benchmarks.bulletin_bench import make_data  # noqa: E402

BUDGET_SECONDS, BUDGET_RATIO = 0.3, 0.2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=66)
    parser.add_argument("--paragraphs", type=int, default=8)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, help="keep the built and the stamped PDF here")
    args = parser.parse_args()

    from pypdf import PdfReader

    from salon import create_app
    from salon.bulletin.render import copies
    from salon.bulletin.render.copies import CopyMark, new_copy_id
    from salon.bulletin.services import build
    from salon.extensions import db
    from salon.salons.models import Salon
    from salon.storage import storage

    folder = Path(tempfile.mkdtemp(prefix="stamp-bench-"))
    instance = folder / "instance"
    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
                      "STORAGE_DIR": str(instance / "files")})
    with app.app_context():
        db.create_all()
        make_data(args.posts, args.paragraphs)
        salon = db.session.scalar(db.select(Salon).filter_by(month="2026-10"))
        build(salon)  # starts the render workers, as a running site has them
        shutil.rmtree(storage().root / "bulletin-cache", ignore_errors=True)
        started = time.perf_counter()
        built = build(salon)
        build_seconds = time.perf_counter() - started
        db.session.rollback()
    pdf = built.pdf
    firsts, laters = [], []
    for _run in range(args.runs):
        copies._prepared.clear()  # the first copy of a file prepares what all its copies share
        for times in (firsts, laters):
            line = f"内部资料 注意保存　测试民警　警号 012345　{time.strftime('%Y-%m-%d %H:%M')}"
            mark = CopyMark(line, new_copy_id())
            started = time.perf_counter()
            copy = copies.stamp_copy(pdf, mark)
            times.append(time.perf_counter() - started)
    assert len(PdfReader(BytesIO(copy)).pages) == built.pages
    assert copies.find_copy_id(copy) == mark.copy_id
    stamp_seconds, later_seconds = min(firsts), min(laters)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "built.pdf").write_bytes(pdf)
        (args.out / "stamped.pdf").write_bytes(copy)
    ratio = stamp_seconds / build_seconds
    print(f"专刊 {built.pages} 页，{len(pdf) / 1024:.0f} KB；副本 {len(copy) / 1024:.0f} KB")
    print(f"排版（网站，排版进程已启动，部件缓存清空）：{build_seconds:.2f} 秒")
    print(f"加盖副本标记，该文件的第一份（含准备共用部分；{args.runs} 次取最短）："
          f"{stamp_seconds:.3f} 秒 = 排版的 {ratio:.3f} 倍"
          f"（要求 ≤ {BUDGET_SECONDS} 秒且 ≤ {BUDGET_RATIO} 倍）")
    print(f"之后每一份：{later_seconds:.3f} 秒")
    shutil.rmtree(folder, ignore_errors=True)
    if stamp_seconds > BUDGET_SECONDS or ratio > BUDGET_RATIO:
        sys.exit("超出预算")


if __name__ == "__main__":
    main()
