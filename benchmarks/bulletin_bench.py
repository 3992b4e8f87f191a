"""Build a ~100-page bulletin from generated Chinese posts; report time, memory and size.

The build as the site makes it (the build button: a process with the app and the render
workers running, the parts cache emptied) is timed first, then a rebuild after one changed
post. Then the same as real `flask bulletin build` processes (cold: Python, the app and the
render workers start), timed by wall clock and by CPU time of the whole process tree
(forkserver and workers included), with the peak memory of its largest process; and the
bulletin laid out as one document for reference. Where Debian's chromium is installed,
`chromium --headless --print-to-pdf` prints the same HTML in the same run (and a one-line page,
for Chromium's own start-up) and the ratios are printed. The machine is shared: --runs N
repeats each measurement and keeps the least disturbed (shortest) run.

    .venv/bin/python benchmarks/bulletin_bench.py [--posts 60] [--paragraphs 8] [--runs 1]
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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


@dataclass
class Run:
    """Wall time, CPU time of the whole process tree, and the largest process's peak memory."""

    wall: float
    cpu: float
    peak_mb: float


# Runs one command as a child subreaper: the forkserver and render workers (or Chromium's
# helpers) outlive their parent or are reaped by it, so a plain getrusage of the benchmark
# would miss them. Here every descendant is reparented to this process and reaped, so
# RUSAGE_CHILDREN covers the whole tree, and ru_maxrss is the largest single process.
TREE_RUNNER = """
import ctypes, json, os, resource, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
started = time.perf_counter()
result = subprocess.run(sys.argv[1:], capture_output=True)
wall = time.perf_counter() - started
deadline = time.monotonic() + 30
while time.monotonic() < deadline:  # reap what the command left behind (it exits at once)
    try:
        pid, _status = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        break
    if pid == 0:
        time.sleep(0.01)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.buffer.write(result.stderr[-3000:])
print(json.dumps({"rc": result.returncode, "wall": wall,
                  "cpu": usage.ru_utime + usage.ru_stime, "peak": usage.ru_maxrss / 1024}))
"""


def measure(command: list[str], env: dict) -> Run:
    """Run a command to completion; CPU and memory include every process it started."""
    result = subprocess.run([sys.executable, "-c", TREE_RUNNER, *command], env=env,
                            capture_output=True, timeout=1800)
    if result.returncode or json.loads(result.stdout)["rc"]:
        sys.exit(f"{command[0]} 失败：\n{result.stderr.decode()[-3000:]}")
    facts = json.loads(result.stdout)
    return Run(facts["wall"], facts["cpu"], facts["peak"])


def chromium_startup(chromium: list[str], folder: Path, env: dict) -> Run:
    """Chromium printing a one-line page: its own start-up and shut-down."""
    page = folder / "one-line.html"
    page.write_text('<!doctype html><html lang="zh-CN"><meta charset="utf-8"><p>警务沙龙</p>')
    return measure([*chromium[:-2], f"--print-to-pdf={folder / 'one-line.pdf'}", page.as_uri()],
                   env)


def build_command(out: Path) -> list[str]:
    return [str(ROOT / ".venv" / "bin" / "flask"), "--app", "salon", "bulletin", "build",
            "2026-10", "--output", str(out)]


def chromium_command(app, salon, folder: Path) -> list[str] | None:
    """Chromium's print of the same HTML, with the same CSS, charts and fonts."""
    chromium = shutil.which("chromium")
    if not chromium:
        return None
    from salon.bulletin import signing
    from salon.bulletin.render.segments import print_html

    content = signing.issue_content(salon)
    html = print_html(content)
    shutil.copytree(ROOT / "static", folder / "static", dirs_exist_ok=True)
    (folder / "bulletin-assets").mkdir(exist_ok=True)
    for name, data in content.charts.items():
        (folder / "bulletin-assets" / name).write_bytes(data)
    page = folder / "bulletin.html"
    page.write_text(html.replace('href="/static/', 'href="static/')
                    .replace('src="/bulletin-assets/', 'src="bulletin-assets/'))
    return [chromium, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--no-pdf-header-footer",
            f"--print-to-pdf={folder / 'chromium.pdf'}", page.as_uri()]


def change_one_post(salon) -> None:
    from salon.extensions import db
    from salon.posts.models import Post

    post = db.session.scalar(db.select(Post).where(Post.salon_id == salon.id).order_by(Post.id))
    post.body += "\n\n（补充）本所又新增了两支巡防队伍。"
    db.session.commit()


def site_builds(salon, runs: int) -> tuple[float, float]:
    """In one process, as the site's build job runs: a full build with the workers already
    started (parts cache emptied), then a rebuild after one changed post; the best of `runs`."""
    from salon.bulletin.services import build
    from salon.storage import storage

    build(salon)  # start the workers
    fulls, agains = [], []
    for _run in range(runs):
        shutil.rmtree(storage().root / "bulletin-cache", ignore_errors=True)
        started = time.perf_counter()
        build(salon)
        fulls.append(time.perf_counter() - started)
        change_one_post(salon)
        started = time.perf_counter()
        build(salon)
        agains.append(time.perf_counter() - started)
    return min(fulls), min(agains)


def pdf_facts(path: Path) -> str:
    from pypdf import PdfReader

    return f"{len(PdfReader(path).pages)} 页，{path.stat().st_size / 1024 / 1024:.2f} MB"


def best(runs) -> Run:
    """The run with the shortest wall time: on a shared machine, the least disturbed one."""
    return min(runs, key=lambda run: run.wall)


def fmt(run: Run) -> str:
    return (f"墙钟 {run.wall:5.2f} 秒，CPU {run.cpu:5.2f} 秒（整个进程树），"
            f"最大单进程峰值内存 {run.peak_mb:4.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=60)
    parser.add_argument("--paragraphs", type=int, default=8)
    parser.add_argument("--runs", type=int, default=1,
                        help="repeat each measurement, keep the run with the shortest wall time")
    args = parser.parse_args()

    from salon import create_app
    from salon.extensions import db
    from salon.salons.models import Salon

    folder = Path(tempfile.mkdtemp(prefix="bulletin-bench-"))
    instance = folder / "instance"
    database = f"sqlite:///{folder / 'bench.db'}"
    env = {**os.environ, "SALON_INSTANCE_PATH": str(instance), "DATABASE_URL": database}
    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": database,
                      "STORAGE_DIR": str(instance / "files")})
    with app.app_context():
        db.create_all()
        make_data(args.posts, args.paragraphs)
        salon = db.session.scalar(db.select(Salon).filter_by(month="2026-10"))
        chromium = chromium_command(app, salon, folder)
        load_before = os.getloadavg()[0]
        site_full, site_again = site_builds(salon, args.runs)
        db.session.commit()  # gathering created the bulletin's settings row; free the database
        parts_pdf, whole_pdf = folder / "parts.pdf", folder / "whole.pdf"
        fulls, agains = [], []
        for _run in range(args.runs):  # each full build starts from an empty parts cache
            shutil.rmtree(instance / "files" / "bulletin-cache", ignore_errors=True)
            fulls.append(measure(build_command(parts_pdf), env))
            change_one_post(salon)
            agains.append(measure(build_command(parts_pdf), env))
        one_document = {**env, "SALON_BULLETIN_RENDER_WORKERS": "0"}
        whole = best(measure(build_command(whole_pdf), one_document) for _run in range(args.runs))
        printed = best(measure(chromium, env) for _run in range(args.runs)) if chromium else None
        started = best(chromium_startup(chromium, folder, env)
                       for _run in range(args.runs)) if chromium else None
        full, again = best(fulls), best(agains)
        python_start = best(measure([str(ROOT / ".venv" / "bin" / "flask"), "--app", "salon",
                                     "bulletin", "--help"], env) for _run in range(args.runs))
    print(f"专刊 {args.posts} 篇稿件：分部排版 {pdf_facts(parts_pdf)}；"
          f"单文档 {pdf_facts(whole_pdf)}（无照片）。")
    print(f"CPU {os.cpu_count()} 核，负载 开始 {load_before:.1f} / 结束 {os.getloadavg()[0]:.1f}；"
          f"每项 {args.runs} 次取墙钟最短的一次")
    print(f"网站排版（常驻进程，排版进程已启动）：全量 {site_full:.2f} 秒，改动一篇后重建 "
          f"{site_again:.2f} 秒 = 全量的 {site_again / site_full:.0%}")
    print(f"flask bulletin build（分部并行，全量）      {fmt(full)}")
    print(f"改动一篇后重建（冷启动）                    {fmt(again)}")
    print(f"    = 全量的 {again.wall / full.wall:.0%}（墙钟），{again.cpu / full.cpu:.0%}（CPU）")
    print(f"其中 Python 与应用启动（flask bulletin --help）{fmt(python_start)}")
    print(f"单文档排版（SALON_BULLETIN_RENDER_WORKERS=0）{fmt(whole)}")
    if printed is None:
        print("未安装 chromium，跳过对比。")
        return
    print(f"chromium --headless --print-to-pdf         {fmt(printed)}")
    print(f"    其中 Chromium 启动（打印一行的页面）    {fmt(started)}")
    print(f"比值 网站排版/Chromium = {site_full / printed.wall:.2f}（墙钟）；"
          f"命令行/Chromium = {full.wall / printed.wall:.2f}（墙钟），"
          f"{full.cpu / printed.cpu:.2f}（CPU）；"
          f"单文档/Chromium = {whole.wall / printed.wall:.2f}（墙钟），"
          f"{whole.cpu / printed.cpu:.2f}（CPU）")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
