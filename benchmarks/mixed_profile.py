"""CPU time per action of `mixed_load.py`, in-process: where a worker's time goes.

    .venv/bin/python benchmarks/mixed_profile.py [--officers 200] [--posts 2000]
        [--actions 1000] [--profile KIND|all] [--top 30]

The same instance `mixed_load.py` builds (demo data, N officers, `--posts` more posts, the
index rebuilt), the same actions drawn by its `next_action`, requested through Flask's test
client in production settings by signed-in officers. For each kind of action: process CPU
time per action (every thread of the process, so the index sync of a write, which runs after
the response, is counted; writes wait for it to finish before the clock stops), SQL
statements per action, and the mean weighted by `WEIGHTS`. Process CPU time, unlike latency,
hardly changes when other jobs share the machine. `--profile KIND` prints the cProfile of
that kind's actions (cumulative, `--top` lines).
"""
import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.livesite import PASSWORD, Site  # noqa: E402
from benchmarks.mixed_load import SEED, WEIGHTS, next_action  # noqa: E402


def build(args) -> tuple[Site, dict]:
    site = Site()
    site.flask("db", "upgrade")
    site.flask("demo")
    data = json.loads(site.python(SEED, json.dumps([args.officers, args.posts, PASSWORD])))
    site.flask("search", "reindex")
    return site, data


def sign_in(app, number: int):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"username": f"officer{number:03d}",
                                         "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client, token


def settle() -> None:
    """Wait for the threads a write started (index sync, retries) to finish."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and threading.active_count() > 1:
        time.sleep(0.01)


def run(client, token: str, action) -> None:
    kind, method, path, form = action
    if method == "GET":
        answer = client.get(path)
        assert answer.status_code == 200, (answer.status_code, path)
    else:
        answer = client.post(path, data={**form, "csrf_token": token})
        assert answer.status_code == 302, (answer.status_code, path,
                                           answer.get_data(as_text=True)[:400])
        settle()


def reopen_ms(app, times: int = 20) -> float:
    """CPU of what each worker does when another one changed the index: a new view."""
    from salon.search import sync
    handle = sync.search_index(app)
    started = time.process_time()
    for _ in range(times):
        handle._checked, view = 0.0, handle._view  # as after another process's commit
        handle._view = None
        handle.view()
        view.searcher.close()
    return (time.process_time() - started) * 1000 / times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=200)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--actions", type=int, default=1000, help="测量的操作数（按权重抽取）")
    parser.add_argument("--warmup", type=int, default=10, help="每名民警预热的操作数")
    parser.add_argument("--clients", type=int, default=10, help="轮流发请求的民警数")
    parser.add_argument("--profile", default="", metavar="KIND", help="某类操作或 all")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative",
                        help="cProfile 排序（cumulative、tottime…）")
    args = parser.parse_args()
    site, data = build(args)
    try:
        os.environ.update({k: v for k, v in site.env.items() if k.startswith("SALON_")})
        from salon import create_app
        from salon.extensions import db
        app = create_app()
        clients = [sign_in(app, n * (args.officers // args.clients)) for n in range(args.clients)]
        rng = random.Random(16)
        for client, token in clients:  # warm-up, not counted
            for _ in range(args.warmup):
                run(client, token, next_action(rng, data))
        with app.app_context():
            engine = db.engine
        statements = []
        event.listen(engine, "before_cursor_execute", lambda *_a: statements.append(1))
        cpu, sql = defaultdict(list), defaultdict(list)
        profiler = cProfile.Profile() if args.profile else None
        for number in range(args.actions):  # the mix, in the order an officer crowd asks
            action = next_action(rng, data)
            kind = action[0]
            client, token = clients[number % len(clients)]
            statements.clear()
            if profiler and args.profile in (kind, "all"):
                profiler.enable()
            started = time.process_time()
            run(client, token, action)
            cpu[kind].append((time.process_time() - started) * 1000)
            if profiler:
                profiler.disable()
            sql[kind].append(len(statements))
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
            print(out.getvalue())
        figures = {k: (statistics.mean(cpu[k]), statistics.mean(sql[k]), len(cpu[k]))
                   for k in WEIGHTS}
        total = sum(WEIGHTS.values())
        print(f"{'操作':<10} {'权重':>4} {'次数':>5} {'CPU ms/次':>10} {'SQL/次':>7} {'占比':>6}")
        mean = sum(WEIGHTS[k] * figures[k][0] for k in WEIGHTS) / total
        for kind in WEIGHTS:
            ms, queries, count = figures[kind]
            share = WEIGHTS[kind] * ms / total / mean
            print(f"{kind:<10} {WEIGHTS[kind]:>4} {count:>5} {ms:>10.1f} {queries:>7.1f}"
                  f" {share:>6.0%}")
        print(f"加权平均 {mean:.1f} CPU ms/次")
        print(f"另一进程写入后本进程换用新版本索引（打开检索器、读段信息）：{reopen_ms(app):.1f}"
              " CPU ms（每个进程、每次有稿件写入索引）")
    finally:
        site.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
