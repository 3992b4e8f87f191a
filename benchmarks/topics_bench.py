"""选题建议 benchmark: `suggest_topics` and `flask salons suggest-topics` as the posts grow.

    .venv/bin/python benchmarks/topics_bench.py [--n 10000] [--workdir /tmp/topics-bench]

Generates N posts with `search_bench.py`'s generator (seed sentences recombined, tags, 12
units), spreads them evenly over the last 24 months, gives every problem report its
tracking record (states mixed, some overdue, some co-signed), builds the index with the
site's own `reindex()` (one process), then times the suggestions in process, cold (no
telling words cached) and warm, and the command line as an operator runs it. It prints
figures; it asserts nothing.
"""
import argparse
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.search_bench import generate, load, make_app  # noqa: E402

STATES = ("raised", "accepted", "assigned", "in_progress", "reported", "resolved", "confirmed")


def spread(posts: list[dict], months: int = 24) -> None:
    """Dates evenly over the last `months` months, oldest first."""
    end = datetime.now().replace(microsecond=0)
    span = timedelta(days=30 * months) / len(posts)
    for index, post in enumerate(posts):
        post["created_at"] = end - span * (len(posts) - index)


def add_problems(app, posts: list[dict], rng: random.Random) -> int:
    from salon.extensions import db
    from salon.problems.models import CoSign, Problem

    rows, cosigns = [], []
    for post in posts:
        if post["kind"] != "problem":
            continue
        state = rng.choice(STATES)
        late = state in ("assigned", "in_progress") and rng.random() < 0.3
        rows.append({"id": len(rows) + 1, "post_id": post["id"], "state": state,
                     "source": "public" if rng.random() < 0.15 else "officer",
                     "created_at": post["created_at"], "reopen_count": int(rng.random() < 0.05),
                     "deadline": (post["created_at"] + timedelta(days=15)).date() if late
                     else None})
        for user in rng.sample(range(1, 13), rng.choice((0, 0, 1, 2))):
            cosigns.append({"problem_id": len(rows), "user_id": user,
                            "at": post["created_at"]})
    with app.app_context():
        conn = db.session.connection()
        conn.execute(db.insert(Problem), rows)
        if cosigns:
            conn.execute(db.insert(CoSign), cosigns)
        db.session.commit()
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="how many posts (default 10000)")
    parser.add_argument("--workdir", default="/tmp/topics-bench")
    parser.add_argument("--months", type=int, default=6)
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for stale in ("bench.db", "bench.db-wal", "bench.db-shm"):
        (workdir / stale).unlink(missing_ok=True)
    rng = random.Random(20261202)
    posts = generate(args.n, rng)
    spread(posts)
    app = make_app(workdir)
    t = time.perf_counter()
    load(app, posts)
    problems = add_problems(app, posts, rng)
    print(f"写入 {args.n} 篇稿件（其中问题 {problems} 个，分布在最近 24 个月）："
          f"{time.perf_counter() - t:.1f} s")

    from salon.salons import topics
    from salon.search import rebuild

    with app.app_context():
        t = time.perf_counter()
        rebuild.reindex(app, procs=1)
        print(f"建检索索引（1 进程）：{time.perf_counter() - t:.1f} s")
        window = sum(p["created_at"] >= topics.window_start(args.months, datetime.now().date())
                     for p in posts)
        for label in ("冷（关键词未缓存）", "热（关键词已缓存）"):
            t = time.perf_counter()
            found = topics.suggest_topics(args.months)
            took = time.perf_counter() - t
            print(f"suggest_topics(months={args.months})，窗口内 {window} 篇"
                  f"（最多分析最新 {topics.MAX_POSTS} 篇），{label}：{took:.2f} s")
        for rank, s in enumerate(found, 1):
            print(f"  {rank}. {s.topic}（{s.score:.1f} 分）问题 {len(s.problems)} 个，"
                  f"单位 {len(s.units)} 个")

    env = dict(os.environ, SALON_INSTANCE_PATH=str(workdir),
               DATABASE_URL=f"sqlite:///{workdir / 'bench.db'}",
               SALON_SEARCH_INDEX_DIR=str(workdir / "index"))
    command = [str(ROOT / ".venv/bin/flask"), "--app", "salon", "salons", "suggest-topics",
               "--months", str(args.months), "--json"]
    t = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
    print(f"flask salons suggest-topics --months {args.months} --json（新进程，含启动）："
          f"{time.perf_counter() - t:.1f} s")
    print(f"机器负载（1 分钟平均）：{os.getloadavg()[0]:.1f}（共 {os.cpu_count()} 核）")


if __name__ == "__main__":
    main()
