"""Time `flask posts import` on N generated posts, then import the same file again.

    .venv/bin/python benchmarks/import_posts.py [--posts 20000] [--workdir /tmp/import-bench]

A temporary instance (SQLite unless --database-url), one open salon, N JSON lines (a third of
them problem reports, 40 authors in 8 units, two tags each, ~800-character Markdown bodies).
Prints the seconds of the first import and of the second (which must add nothing).
"""
import argparse
import json
import random
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SENTENCES = ("社区民警坚持每周走访辖区商户和出租房屋，建立网格化的信息台账。",
             "针对**矛盾纠纷**易发的情况，我们组织警务室、村委会和调解员联合排查。",
             "- 一是摸清底数\n- 二是落实责任\n- 三是跟踪回访",
             "办证高峰期机关民警支援户籍窗口，群众等候时间明显缩短。",
             "| 项目 | 数量 |\n|---|---|\n| 走访户数 | 126 |\n| 化解纠纷 | 9 |")


def lines(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    units = [f"第{i}派出所" for i in range(1, 9)]
    out = []
    for n in range(count):
        kind = "problem" if n % 3 == 0 else "experience"
        body = "\n\n".join(rng.choice(SENTENCES) for _ in range(18))
        record = {"kind": kind, "title": f"导入稿件{n}：社区警务经验", "body": body,
                  "author": f"民警{n % 40}", "unit": units[n % 8], "salon": "2026-11",
                  "tags": [f"标签{n % 7}", f"专题{n % 5}"],
                  "created_at": f"2026-11-{1 + n % 28:02d}T09:{n % 60:02d}:00"}
        if kind == "problem":
            record.update(scan="夜间路段案件多发", analysis="探头老化", proposal="新增探头")
        out.append(json.dumps(record, ensure_ascii=False))
    return out


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the rendering workers)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--workdir", default="/tmp/import-bench")
    parser.add_argument("--database-url", default=None)
    options = parser.parse_args()
    work = Path(options.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    from salon import create_app
    from salon.extensions import db
    from salon.posts.models import Post
    from salon.salons.models import Salon

    app = create_app({"INSTANCE_PATH": str(work / "instance"), "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": options.database_url
                      or f"sqlite:///{work / 'bench.db'}"})
    path = work / "posts.jsonl"
    path.write_text("\n".join(lines(options.posts)) + "\n", encoding="utf-8")
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.add(Salon(number=1, month="2026-11", topic="社区警务", status="open"))
        db.session.commit()
        runner = app.test_cli_runner()
        for attempt in ("第一次导入", "同一文件再导入一次"):
            started, cpu = time.perf_counter(), _cpu()
            result = runner.invoke(args=["posts", "import", str(path)])
            seconds, cpu = time.perf_counter() - started, _cpu() - cpu
            total = db.session.scalar(db.select(db.func.count(Post.id)))
            print(f"{attempt}: {seconds:.1f} 秒（CPU {cpu:.1f} 秒，含渲染进程），库中 {total} 篇；"
                  f"{result.output.strip().splitlines()[-1] if result.output.strip() else ''}",
                  flush=True)
            if result.exit_code != 0:
                print(result.output, file=sys.stderr)
                if result.exc_info and not isinstance(result.exception, SystemExit):
                    import traceback
                    traceback.print_exception(*result.exc_info)
                raise SystemExit(1)
        db.session.remove()
        db.drop_all()


if __name__ == "__main__":
    main()
