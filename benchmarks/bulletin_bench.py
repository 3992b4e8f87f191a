"""Build a ~100-page bulletin from generated Chinese posts; report time, memory and size.

Where Debian's chromium is installed, also time `chromium --headless --print-to-pdf` on the
same HTML in the same run and print the ratio.

    .venv/bin/python benchmarks/bulletin_bench.py [--posts 60] [--paragraphs 9]
"""
import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FONTCONFIG_FILE", str(ROOT / "static" / "fonts" / "fonts.conf"))

SENTENCES = [
    "社区民警要把工作做在平时，做在群众身边。",
    "我们坚持每周走访辖区商户和出租房屋，建立网格化信息台账。",
    "针对电动车充电隐患，所里联合物业开展了集中整治，清理飞线四十余处。",
    "调解邻里纠纷要先听后说，把情理法讲透，让双方都有台阶下。",
    "警务室与村委会联合成立巡防队，夜间巡逻实现了全覆盖。",
    "通过微信群及时发布防诈骗提醒，辖区电信诈骗发案数同比下降三成。",
    "对重点人员做到底数清、情况明、管控实，确保不漏管、不失控。",
    "民警在走访中发现独居老人用火用电隐患，当即联系社区予以整改。",
    "学校周边高峰时段设立护学岗，家长和学生的安全感明显提升。",
    "二代证办理实行预约上门服务，外出务工人员通过网络传回照片。",
]


def chinese_paragraph(rng: random.Random, sentences: int = 7) -> str:
    return "".join(rng.choice(SENTENCES) for _ in range(sentences))


def make_data(posts: int, paragraphs: int) -> None:
    """A held salon with `posts` experience and problem posts, and earlier open problems."""
    from datetime import datetime

    from salon.accounts.services import create_user
    from salon.extensions import db
    from salon.posts.models import Post
    from salon.problems.models import Problem
    from salon.salons.models import Salon

    rng = random.Random(7)
    units = ["城关派出所", "曹甸派出所", "夏集派出所", "安宜派出所", "氾水派出所", "射阳湖派出所"]
    authors = [create_user(f"u{i}", f"民警{i}", units[i % len(units)], "officer")
               for i in range(12)]
    earlier = Salon(number=1, month="2026-09", topic="上期主题", status="published")
    salon = Salon(number=2, month="2026-10", topic="网格化社区警务", status="held",
                  description=chinese_paragraph(rng))
    db.session.add_all([earlier, salon])
    for i in range(posts):
        author = authors[i % len(authors)]
        kind = "problem" if i % 4 == 3 else "experience"
        body = "\n\n".join(chinese_paragraph(rng) for _ in range(paragraphs))
        post = Post(kind=kind, title=f"第{i + 1}篇：{rng.choice(SENTENCES)[:12]}", body=body,
                    author=author, unit=author.unit, salon=salon, status="submitted",
                    exemplary=i % 7 == 0, created_at=datetime(2026, 10, 3, 9))
        db.session.add(post)
        if kind == "problem":
            db.session.add(Problem(post=post, state="in_progress", responsible_unit=author.unit))
    for i in range(8):
        old = Post(kind="problem", title=f"往期问题{i}", body="旧问题", author=authors[0],
                   unit=authors[0].unit, salon=earlier, status="submitted",
                   created_at=datetime(2026, 9, 3, 9))
        db.session.add_all([old, Problem(post=old, state="assigned")])
    db.session.commit()


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def time_weasyprint(app, salon) -> dict:
    """The app's own build: cold (workers spawned), warm, after one change, one document."""
    from salon.bulletin import segments
    from salon.bulletin.services import build
    from salon.extensions import db
    from salon.posts.models import Post
    from salon.storage import storage

    def clear_cache():
        shutil.rmtree(storage().root / "bulletin-cache", ignore_errors=True)

    figures = {}
    figures["cold"], built = timed(lambda: build(salon))
    clear_cache()
    figures["full"], built = timed(lambda: build(salon))
    post = db.session.scalar(db.select(Post).where(Post.salon_id == salon.id).order_by(Post.id))
    post.body += "\n\n（补充）本所又新增了两支巡防队伍。"
    db.session.commit()
    figures["one_change"], rebuilt = timed(lambda: build(salon))
    figures["parts"] = (built.rendered, rebuilt.rendered, rebuilt.cached)
    segments.shutdown_pool()
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    app.config["BULLETIN_RENDER_WORKERS"] = 0
    figures["whole"], whole = timed(lambda: build(salon, in_subprocess=True))
    figures["whole_pages"], figures["whole_size"] = whole.pages, len(whole.pdf)
    return built, figures


def time_chromium(app, salon, folder: Path, runs: int) -> float | None:
    """Chromium's print of the same HTML, with the same CSS, charts and fonts."""
    chromium = shutil.which("chromium")
    if not chromium:
        return None
    from salon.bulletin import content as content_module
    from salon.bulletin.services import print_html

    content = content_module.gather(salon)
    html = print_html(content)
    shutil.copytree(ROOT / "static", folder / "static", dirs_exist_ok=True)
    (folder / "bulletin-assets").mkdir(exist_ok=True)
    for name, data in content.charts.items():
        (folder / "bulletin-assets" / name).write_bytes(data)
    page = folder / "bulletin.html"
    page.write_text(html.replace('href="/static/', 'href="static/')
                    .replace('src="/bulletin-assets/', 'src="bulletin-assets/'))
    out = folder / "chromium.pdf"
    best = None
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--no-pdf-header-footer",
                        f"--print-to-pdf={out}", page.as_uri()],
                       check=True, capture_output=True, timeout=300)
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=60)
    parser.add_argument("--paragraphs", type=int, default=8)
    parser.add_argument("--runs", type=int, default=1, help="Chromium: best of N runs")
    args = parser.parse_args()

    from salon import create_app
    from salon.extensions import db
    from salon.salons.models import Salon

    folder = Path(tempfile.mkdtemp(prefix="bulletin-bench-"))
    app = create_app({"INSTANCE_PATH": str(folder / "instance"), "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
                      "STORAGE_DIR": str(folder / "files")})
    with app.app_context():
        db.create_all()
        make_data(args.posts, args.paragraphs)
        salon = db.session.scalar(db.select(Salon).filter_by(month="2026-10"))
        built, f = time_weasyprint(app, salon)
        chromium = time_chromium(app, salon, folder, args.runs)
    print(f"专刊：{built.pages} 页，{len(built.pdf) / 1024 / 1024:.2f} MB（无照片）；"
          f"CPU {os.cpu_count()} 核，负载 {os.getloadavg()[0]:.1f}")
    print(f"分部并行排版（{f['parts'][0]} 部分）：全量 {f['full']:.2f} 秒"
          f"（含启动工作进程的首次 {f['cold']:.2f} 秒）")
    print(f"改动一篇后重建：{f['one_change']:.2f} 秒 = 全量的 {f['one_change'] / f['full']:.0%}"
          f"（新排 {f['parts'][1]} 部分，沿用 {f['parts'][2]} 部分）")
    print(f"排版进程峰值内存：{f['peak_mb']:.0f} MB")
    print(f"整本单文档排版（参照）：{f['whole']:.2f} 秒，{f['whole_pages']} 页，"
          f"{f['whole_size'] / 1024 / 1024:.2f} MB，含其进程峰值内存 "
          f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB")
    if chromium is None:
        print("未安装 chromium，跳过对比。")
    else:
        print(f"Chromium --print-to-pdf 同一 HTML：{chromium:.2f} 秒")
        print(f"比值 分部并行/Chromium = {f['full'] / chromium:.2f}；"
              f"单文档/Chromium = {f['whole'] / chromium:.2f}")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
