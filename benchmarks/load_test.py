"""Load test: 20 clients create 2,000 posts through the API while others search and read.

    .venv/bin/python benchmarks/load_test.py [--posts 2000] [--writers 20] [--readers 4]

The site runs under gunicorn (4 sync workers) on 127.0.0.1 with a temporary instance
(SQLite, or PostgreSQL with --database-url). Afterwards it checks: no failed request, exactly
the new posts in the database, `flask search check` clean. Then it measures requests per
second for the post list, a post page and a bare Flask hello-world under the same gunicorn
(the clients sign in, and send one request each, before the clock starts).
Every loop is bounded in count and time; traffic stays on the loopback interface.
"""
import argparse
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.livesite import Client, Site  # noqa: E402

SEARCH_TERMS = ["社区", "警务", "民警", "走访", "警务室", "矛盾", "巡逻", "调解"]
BODY = ("社区民警坚持每周走访辖区群众，收集矛盾纠纷线索，及时调解化解。"
        "警务室规范化建设后，群众办事更加方便。")


class Tally:
    """Thread-safe counts of answers by (kind, status), and the failures."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts: Counter = Counter()
        self.failures: list[str] = []
        self.created: list[int] = []

    def record(self, kind: str, status: int, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.counts[(kind, status)] += 1
            if not ok:
                self.failures.append(f"{kind} {status} {detail}"[:200])


def writer(port: int, token: str, month: str, number: int, count: int, tally: Tally,
           deadline: float) -> None:
    """Create `count` posts through POST /api/posts."""
    client = Client(port, token)
    for i in range(count):
        if time.monotonic() > deadline:
            tally.record("post", 0, False, "超时未完成")
            return
        payload = {"kind": "problem" if i % 4 == 0 else "experience",
                   "title": f"负载测试稿件 {number}-{i} 社区警务", "body": BODY * (1 + i % 3),
                   "salon": month, "tags": ["负载测试", f"第{number % 5 + 1}组"]}
        try:
            status, answer = client.post_json("/api/posts", payload)
        except OSError as error:
            tally.record("post", 0, False, repr(error))
            continue
        tally.record("post", status, status == 201, str(answer))
        if status == 201:
            with tally.lock:
                tally.created.append(answer["id"])


def reader(port: int, number: int, stop: threading.Event, tally: Tally, deadline: float) -> None:
    """Search and read lists until the writers are done."""
    client = Client(port)
    client.login("reader")
    i = number
    while not stop.is_set() and time.monotonic() < deadline:
        term = SEARCH_TERMS[i % len(SEARCH_TERMS)]
        paths = (("search", f"/search/?q={quote(term)}"),
                 ("api-search", f"/api/search?q={quote(term)}"),
                 ("list", "/posts/" if i % 2 else "/posts/?kind=problem"))
        for kind, path in paths:
            try:
                status = client.get(path)
            except OSError as error:
                tally.record(kind, 0, False, repr(error))
                continue
            tally.record(kind, status, status == 200, path)
        i += 1


def hammer(port: int, path: str, seconds: float, sessions: list[dict]) -> tuple[int, int]:
    """In one process: a client per session (cookies; {} for none) GETs the path for
    `seconds`; (ok, failed). Each first sends one request off the clock (a worker's first
    request opens the index and compiles templates), then all start together."""
    ok = failed = 0
    lock = threading.Lock()
    ready = threading.Barrier(len(sessions))

    def loop(cookies: dict):
        nonlocal ok, failed
        client = Client(port)
        client.cookies = dict(cookies)
        try:
            client.get(path)
        except OSError:
            pass
        ready.wait()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                good = client.get(path) == 200
            except OSError:
                good = False
            with lock:
                ok, failed = ok + good, failed + (not good)

    workers = [threading.Thread(target=loop, args=(cookies,)) for cookies in sessions]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return ok, failed


def signed_in_sessions(port: int, count: int) -> list[dict]:
    """Session cookies of `count` sign-ins as `reader`: signing in (a deliberately slow
    password hash) is not part of what is measured, so it happens before."""
    sessions = []
    for _ in range(count):
        client = Client(port)
        client.login("reader")
        sessions.append(client.cookies)
    return sessions


def throughput(port: int, path: str, seconds: float, processes: int, threads: int,
               login: bool = True) -> tuple[float, int]:
    """Requests per second over all client processes, and the failures."""
    count = processes * threads
    sessions = signed_in_sessions(port, count) if login else [{}] * count
    groups = [sessions[n * threads:(n + 1) * threads] for n in range(processes)]
    with ProcessPoolExecutor(processes) as pool:
        results = list(pool.map(hammer, [port] * processes, [path] * processes,
                                [seconds] * processes, groups))
    ok = sum(r[0] for r in results)
    return ok / seconds, sum(r[1] for r in results)


def run_writes(site: Site, args, setup: dict, tally: Tally) -> float:
    """The mixed phase; its duration in seconds."""
    deadline = time.monotonic() + args.time_limit
    per_writer = [args.posts // args.writers + (n < args.posts % args.writers)
                  for n in range(args.writers)]
    stop = threading.Event()
    readers = [threading.Thread(target=reader, args=(site.port, n, stop, tally, deadline))
               for n in range(args.readers)]
    writers = [threading.Thread(target=writer, args=(site.port, setup["tokens"][n],
                                                     setup["month"], n, per_writer[n], tally,
                                                     deadline))
               for n in range(args.writers)]
    started = time.monotonic()
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    elapsed = time.monotonic() - started
    stop.set()
    for thread in readers:
        thread.join()
    return elapsed


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--time-limit", type=float, default=900, help="写入阶段上限（秒）")
    parser.add_argument("--seconds", type=float, default=10, help="每项吞吐测量时长（秒）")
    parser.add_argument("--clients", type=int, default=4, help="吞吐测量的客户端进程数")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite)")
    return parser.parse_args()


def write_phase(site: Site, args) -> tuple[list[str], set[int]]:
    """Writers and readers together, then the database and index checks; (problems, new ids)."""
    setup = site.prepare(writers=args.writers)
    before = site.post_ids()
    site.start(workers=args.workers)
    tally = Tally()
    elapsed = run_writes(site, args, setup, tally)
    site.stop()   # the index catches up after each commit; stopping waits for the workers
    new = site.post_ids() - before
    check = site.flask("search", "check", check=False)

    print("\n== 写入阶段 ==")
    print(f"{args.writers} 个写入客户端、{args.readers} 个读取客户端，"
          f"{args.workers} 个 gunicorn 进程")
    print(f"用时 {elapsed:.1f} 秒，创建稿件 {len(tally.created)} 篇"
          f"（{len(tally.created) / elapsed:.1f} 篇/秒）")
    for (kind, status), count in sorted(tally.counts.items()):
        print(f"  {kind:<11} HTTP {status}: {count}")
    print(f"失败请求：{len(tally.failures)}")
    for line in tally.failures[:10]:
        print("   ", line)
    print(f"数据库新增稿件：{len(new)}（应为 {args.posts}）；"
          f"与 201 应答一致：{new == set(tally.created)}")
    print(f"flask search check：退出码 {check.returncode} {check.stdout.strip()[:300]}"
          f"{check.stderr.strip()[-300:]}")
    problems = [f"{len(tally.failures)} 个失败请求"] if tally.failures else []
    problems += [f"新增 {len(new)} 篇"] if len(new) != args.posts else []
    problems += ["search check 不一致"] if check.returncode else []
    return problems, new


def throughput_phase(site: Site, hello: Site, args, post_id: int) -> None:
    """Requests per second: post list, post page, bare hello-world; the ratios."""
    print(f"\n== 吞吐（{args.clients} 个客户端进程 × 4 线程，各 {args.seconds:.0f} 秒）==")
    site.start(workers=args.workers)
    figures = {}
    for label, path in (("稿件列表 /posts/", "/posts/"),
                        (f"稿件页 /posts/{post_id}", f"/posts/{post_id}")):
        rate, failed = throughput(site.port, path, args.seconds, args.clients, 4)
        figures[label] = rate
        print(f"  {label:<24} {rate:8.1f} 次/秒  失败 {failed}")
    site.stop()
    hello.start("hello_app:app", workers=args.workers, chdir=Path(__file__).parent)
    hello_rate, failed = throughput(hello.port, "/", args.seconds, args.clients, 4, False)
    hello.stop()
    print(f"  {'Flask hello-world /':<24} {hello_rate:8.1f} 次/秒  失败 {failed}")
    for label, rate in figures.items():
        print(f"  比值 {label}: {rate / hello_rate:.2f}（目标 ≥ 0.5）")


def main() -> int:
    args = parse_args()
    site, hello = Site(args.database_url), Site()
    try:
        print(f"实例 {site.folder}", flush=True)
        problems, new = write_phase(site, args)
        throughput_phase(site, hello, args, max(new) if new else 1)
    finally:
        site.cleanup()
        hello.cleanup()
    print("\n结论：" + ("全部通过" if not problems else "；".join(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
