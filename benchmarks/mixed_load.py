"""Mixed load: signed-in officers doing what officers do, and hello-world under the same load.

    .venv/bin/python benchmarks/mixed_load.py [--officers 200] [--seconds 60] [--rounds 2]
        [--think 5.0] [--posts 2000] [--workers N] [--cache both|on|off] [--database-url URL]

A temporary instance gets the demo data, N officers and `--posts` more posts (with their
problems), then the site runs under gunicorn (`gunicorn.conf.py`: the `make run` settings)
on 127.0.0.1. Every officer signs in once, before any clock starts, then loops: one action,
a pause (exponential, mean `--think` seconds), the next. The actions, by weight: the home
page, the post list under different filters and pages, many different posts, search, the
problem list and 我的待办, a salon page, and 5 % writes spread over the run (comments and
new posts through the site's forms). Each round measures the site and a bare Flask
hello-world under the same gunicorn with the same officers and pauses, in alternating
order; `--cache both` also measured the former page cache on and off
(`SALON_PAGE_CACHE_SIZE=0`: run it on a commit that still has it). The figures are p50/p95/p99
latency, errors, and the gunicorn workers' CPU time per request (which, unlike latency,
other work on a shared machine hardly changes), and their medians over the rounds.

Traffic goes only to 127.0.0.1; every loop is bounded in time and in count.
"""
import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.livesite import PASSWORD, Client, Site  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MAX_REQUESTS_PER_OFFICER = 5_000
TERMS = ["社区民警", "警务室", "矛盾纠纷", "监控", "电动车", "反诈", "巡逻", "调解", "走访",
         "群防群治", "学校", "夜市", "网格", "電信詐騙", "流动人口", "户籍", "消防", "民警"]
STATES = ["", "raised", "accepted", "assigned", "in_progress", "resolved", "confirmed"]
# What an officer does, and how often (per 100 actions).
WEIGHTS = {"home": 8, "list": 24, "post": 28, "search": 14, "problems": 10, "todo": 5,
           "salon": 6, "comment": 3, "new-post": 2}
LABELS = {"on": "页面缓存开", "off": "站点（无页面缓存）", "hello": "hello-world"}

SEED = """
import json, random, sys
from datetime import timedelta
from werkzeug.security import generate_password_hash
from salon import create_app, demo_data
from salon.accounts.models import Unit
from salon.accounts.services import create_user
from salon.extensions import db
from salon.posts.models import Post, Tag
from salon.posts.services import PostInput, create_post
from salon.salons import rhythm
from salon.salons.models import Salon
from salon.timeutil import now

officers, posts, password = json.loads(sys.argv[1])
rng = random.Random(16)
app = create_app({"SEARCH_SYNC_ON_COMMIT": False})  # the index is rebuilt once, afterwards
with app.app_context():
    units = db.session.scalars(db.select(Unit).order_by(Unit.id)).all()
    units = [u for u in units if u.kind == "station"] or units
    hashed = generate_password_hash(password, method="scrypt")
    users = []
    for n in range(officers):
        user = create_user(f"officer{n:03d}", f"民警{n:03d}", units[n % len(units)].name)
        user.password_hash = hashed
        users.append(user)
    db.session.flush()
    salons = [s for s in db.session.scalars(db.select(Salon).where(Salon.status != "published"))
              if not rhythm.call_closed(s)]  # still taking posts
    texts = ["".join(line.lstrip("-*>0123456789. ") for line in p["body"].splitlines()
                     if line and line[0] not in "#|") for p in demo_data.POSTS]
    sentences = [s + "。" for text in texts for s in text.split("。") if len(s) > 8]
    tags = sorted({t for p in demo_data.POSTS for t in p["tags"]})
    for i in range(posts):
        kind = "problem" if i % 3 == 0 else "experience"
        body = "".join(rng.sample(sentences, 8))
        title = sentences[i % len(sentences)][:24].rstrip("。，") + f"（{i}）"
        sara = {"scan": body[:60], "analysis": body[60:120], "proposal": body[120:180]}
        post = create_post(users[i % len(users)], PostInput(
            kind=kind, title=title, body=body, salon=salons[i % len(salons)],
            tags=rng.sample(tags, 3), problem=sara if kind == "problem" else {}))
        post.created_at = post.updated_at = now() - timedelta(minutes=rng.randrange(60 * 24 * 60))
        if i % 250 == 0:
            db.session.flush()
    db.session.commit()
    print(json.dumps({
        "posts": list(db.session.scalars(db.select(Post.id).where(Post.status == "submitted"))),
        "salons": [[s.id, s.month, s.status != "published" and not rhythm.call_closed(s)]
               for s in db.session.scalars(db.select(Salon))],
        "units": [u.id for u in units],
        "tags": list(db.session.scalars(db.select(Tag.name))),
    }))
"""


# -- the officers -------------------------------------------------------------------------

def sign_in(port: int, count: int) -> list[dict]:
    """Each officer's session cookies and CSRF token (signing in is not what is measured)."""
    sessions = []
    for n in range(count):
        client = Client(port)
        client.login(f"officer{n:03d}")
        _, page = client.request("GET", "/")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        sessions.append({"cookies": dict(client.cookies), "token": token})
    return sessions


def next_action(rng: random.Random, data: dict) -> tuple[str, str, str, dict | None]:
    """(kind, method, path, form) of an officer's next action."""
    kind = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
    months = [month for _id, month, _open in data["salons"]]
    if kind == "home":
        return kind, "GET", "/", None
    if kind == "list":
        args = rng.choice([{}, {"kind": rng.choice(["experience", "problem"])},
                           {"salon": rng.choice(months)}, {"unit": rng.choice(data["units"])},
                           {"tag": rng.choice(data["tags"])}, {"page": rng.randint(2, 20)}])
        return kind, "GET", "/posts/" + ("?" + urlencode(args) if args else ""), None
    if kind == "post":
        return kind, "GET", f"/posts/{rng.choice(data['posts'])}", None
    if kind == "search":
        args = {"q": rng.choice(TERMS)}
        args.update(rng.choice([{}, {}, {"kind": "problem"}, {"page": 2}]))
        return kind, "GET", "/search/?" + urlencode(args), None
    if kind == "problems":
        args = {"state": rng.choice(STATES)} if rng.random() < 0.6 else {}
        if rng.random() < 0.3:
            args["unit"] = rng.choice(data["units"])
        return kind, "GET", "/problems/" + ("?" + urlencode(args) if args else ""), None
    if kind == "todo":
        return kind, "GET", "/problems/todo", None
    if kind == "salon":
        return kind, "GET", f"/salons/{quote(rng.choice(months))}", None
    if kind == "comment":
        form = {"body": f"学习了，我所也在推进同类工作（{rng.randrange(10**6)}）。"}
        return kind, "POST", f"/posts/{rng.choice(data['posts'])}/comments", form
    open_salons = [i for i, _month, taking_posts in data["salons"] if taking_posts]
    form = {"kind": "experience", "salon": rng.choice(open_salons), "tags": "社区警务、走访",
            "title": f"走访群众的一点体会（{rng.randrange(10**6)}）",
            "body": "坚持每周走访辖区群众，收集矛盾纠纷线索，及时调解化解。" * 4,
            "source": "officer", "submit_post": "提交"}
    return kind, "POST", "/posts/new", form


def officer(port: int, session: dict | None, data: dict | None, think: float, seed: int,
            start: float, end: float) -> list[tuple[str, float, bool, str]]:
    """One officer's requests until `end`: (kind, seconds, ok, detail) each."""
    rng = random.Random(seed)
    client = Client(port, timeout=30)
    if session:
        client.cookies = dict(session["cookies"])
    records = []
    time.sleep(max(0.0, start - time.time()) + rng.uniform(0, think))  # not all at once
    while time.time() < end and len(records) < MAX_REQUESTS_PER_OFFICER:
        if data is None:
            kind, method, path, form = "hello", "GET", "/", None
        else:
            kind, method, path, form = next_action(rng, data)
        body, headers = None, {}
        if form is not None:
            body = urlencode({**form, "csrf_token": session["token"]}).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
        began = time.perf_counter()
        try:
            status, _ = client.request(method, path, body, headers)
            ok = status == (302 if method == "POST" else 200)
            detail = f"{status} {path}"
        except OSError as error:
            ok, detail = False, f"{error!r} {path}"
        records.append((kind, time.perf_counter() - began, ok, detail))
        time.sleep(min(rng.expovariate(1 / think), 4 * think))
    return records


def crowd(port: int, sessions: list, data: dict | None, think: float, start: float,
          end: float, seed: int) -> list:
    """In one process: a thread per officer."""
    results: list = []
    lock = threading.Lock()

    def run(number: int, session: dict | None) -> None:
        records = officer(port, session, data, think, seed + number, start, end)
        with lock:
            results.extend(records)

    threads = [threading.Thread(target=run, args=(n, s)) for n, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def run_load(port: int, sessions: list, data: dict | None, args, seconds: float,
             seed: int) -> list:
    """All officers, spread over `args.processes` client processes, for `seconds`."""
    start = time.time() + 1.0
    end = start + seconds
    groups = [sessions[n::args.processes] for n in range(args.processes)]
    with ProcessPoolExecutor(args.processes) as pool:
        parts = pool.map(crowd, [port] * len(groups), groups, [data] * len(groups),
                         [args.think] * len(groups), [start] * len(groups),
                         [end] * len(groups), [seed + n * 1000 for n in range(len(groups))])
        return [record for part in parts for record in part]


# -- figures ------------------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def summary(records: list, seconds: float) -> dict:
    """Latency percentiles (ms), request rate and errors, over all and per kind of action."""
    def figures(items: list) -> dict:
        times = [r[1] * 1000 for r in items]
        return {"n": len(items), "rate": len(items) / seconds,
                "p50": percentile(times, 0.50), "p95": percentile(times, 0.95),
                "p99": percentile(times, 0.99), "errors": sum(1 for r in items if not r[2])}

    kinds = defaultdict(list)
    for record in records:
        kinds[record[0]].append(record)
    return {"all": figures(records), "kinds": {k: figures(v) for k, v in sorted(kinds.items())},
            "failures": [r[3] for r in records if not r[2]][:5]}


def show(label: str, result: dict) -> None:
    whole = result["all"]
    print(f"  {label:<14} {whole['n']:>6} 次 {whole['rate']:6.1f} 次/秒  p50 {whole['p50']:6.1f}"
          f"  p95 {whole['p95']:6.1f}  p99 {whole['p99']:7.1f} ms  错误 {whole['errors']}"
          f"  CPU {whole['cpu_ms']:5.1f} ms/次", flush=True)
    if len(result["kinds"]) > 1:
        for kind, part in result["kinds"].items():
            print(f"      {kind:<10} {part['n']:>6} 次  p50 {part['p50']:6.1f}  p95 "
                  f"{part['p95']:6.1f}  p99 {part['p99']:7.1f} ms  错误 {part['errors']}")
    for line in result["failures"]:
        print("      失败:", line[:160])


def load_average() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


# -- the run ------------------------------------------------------------------------------

def prepare(site: Site, args) -> dict:
    """Schema, demo data, the officers and more posts, then the search index."""
    site.flask("db", "upgrade")
    site.flask("demo")
    data = json.loads(site.python(SEED, json.dumps([args.officers, args.posts, PASSWORD])))
    site.flask("search", "reindex")
    return data


def measure(site: Site, mode: str, sessions: list, data: dict | None, args, seed: int) -> dict:
    """Start the server for this mode, warm it up, measure, stop it."""
    env = dict(site.env)
    if mode == "off":
        site.env["SALON_PAGE_CACHE_SIZE"] = "0"
    app = "hello_app:app" if mode == "hello" else "salon:create_app()"
    chdir = Path(__file__).parent if mode == "hello" else ROOT
    try:
        site.start(app, workers=args.workers, chdir=chdir)
        run_load(site.port, sessions, data, args, args.warmup, seed + 7)  # not counted
        workers = site.worker_pids()
        before = cpu_seconds(workers)
        result = summary(run_load(site.port, sessions, data, args, args.seconds, seed),
                         args.seconds)
        result["all"]["cpu_ms"] = 1000 * (cpu_seconds(workers) - before) / max(
            result["all"]["n"], 1)
        return result
    finally:
        site.stop()
        site.env = env


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60, help="每次测量的时长（秒）")
    parser.add_argument("--warmup", type=float, default=10, help="每次测量前的预热（秒，不计）")
    parser.add_argument("--rounds", type=int, default=2,
                        help="轮数（每轮：缓存开、关与 hello-world）")
    parser.add_argument("--think", type=float, default=5.0, help="两次操作之间的平均停顿（秒）")
    parser.add_argument("--posts", type=int, default=2000, help="演示数据之外再建的稿件数")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn 进程数（默认同 make run：2 × 核数 + 1）")
    parser.add_argument("--processes", type=int, default=4, help="客户端进程数")
    parser.add_argument("--cache", choices=("both", "on", "off"), default="off",
                        help="页面缓存（已移除；在仍有它的提交上用 both 对比）")
    parser.add_argument("--database-url", help="PostgreSQL URL（默认 SQLite）")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    print(f"开始：{load_average()}", flush=True)
    site, hello = Site(args.database_url), Site()
    results: dict[str, list] = defaultdict(list)
    try:
        data = prepare(site, args)
        print(f"实例 {site.folder}：{len(data['posts'])} 篇已提交稿件，{args.officers} 名民警；"
              f"gunicorn {args.workers} 个进程；每次预热 {args.warmup:.0f} 秒、测量 "
              f"{args.seconds:.0f} 秒，平均停顿 {args.think} 秒", flush=True)
        site.start(workers=args.workers)
        sessions = sign_in(site.port, args.officers)
        site.stop()
        modes = ["on", "off"] if args.cache == "both" else [args.cache]
        for number in range(args.rounds):
            order = modes + ["hello"] if number % 2 == 0 else ["hello"] + modes[::-1]
            print(f"\n== 第 {number + 1} 轮 ==  {load_average()}", flush=True)
            for mode in order:
                target = hello if mode == "hello" else site
                result = measure(target, mode, sessions if mode != "hello" else
                                 [None] * args.officers, data if mode != "hello" else None,
                                 args, seed=number * 100_000)
                results[mode].append(result)
                show(LABELS[mode], result)
    finally:
        site.cleanup()
        hello.cleanup()
    print(f"\n== 各轮中位数（毫秒）==  结束：{load_average()}")
    failed = False
    for mode, runs in results.items():
        medians = {key: statistics.median(r["all"][key] for r in runs)
                   for key in ("p50", "p95", "p99", "rate", "cpu_ms")}
        errors = sum(r["all"]["errors"] for r in runs)
        failed |= errors > 0
        print(f"  {mode:<6} p50 {medians['p50']:6.1f}  p95 {medians['p95']:6.1f}  "
              f"p99 {medians['p99']:7.1f}  {medians['rate']:6.1f} 次/秒  错误 {errors}  "
              f"CPU {medians['cpu_ms']:5.1f} ms/次")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
