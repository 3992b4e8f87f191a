"""Each main page's time and size as the data grows: 1k, 10k and 100k posts (and problems).

    .venv/bin/python benchmarks/growth.py [--sizes 1000,10000,100000] [--repeat 5]

Rows are bulk-inserted into a new SQLite instance (a quarter of the posts are problem
reports with their tracking record and first event, in every state, all in one salon, so
the salon page is the worst case); then each page is requested by a signed-in leader
through Flask's test client in production settings, and the median wall time and the
answer's size are printed. A bounded page stays flat as the data grows; the ledger exports
grow with the data by nature (they are every row), but stream in batches. Full-text search
is measured by `search_bench.py` (its index is built separately).
"""
import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from salon import create_app  # noqa: E402
from salon.extensions import db  # noqa: E402

PASSWORD = "Growth-bench-2026"
BODY = ("社区民警在辖区开展夜间巡逻，发现村口路段照明不足、监控探头模糊。"
        "建议联合镇政府新增路灯与探头，并调整巡逻路线。\n\n- 路灯 12 盏\n- 探头 8 组\n") * 3
STATES = ("raised", "accepted", "assigned", "in_progress", "resolved", "confirmed")
PAGES = [
    ("首页", "/"),
    ("稿件列表", "/posts/"),
    ("稿件列表 第 50 页", "/posts/?page=50"),
    ("一篇稿件", "/posts/{last_post}"),
    ("沙龙页（全部稿件所在）", "/salons/{month}"),
    ("典型经验", "/posts/showcase"),
    ("问题台账", "/problems/"),
    ("问题台账 已超期", "/problems/?overdue=1"),
    ("我的待办", "/problems/todo"),
    ("看板", "/dashboard/"),
    ("GET /api/posts", "/api/posts"),
    ("GET /api/problems", "/api/problems"),
    ("GET /api/problems?limit=100", "/api/problems?limit=100"),
]
EXPORTS = [("台账导出 CSV", "/problems/export.csv"), ("台账导出 xlsx", "/problems/export.xlsx")]


def build_app(folder: Path):
    from salon.accounts.services import create_user
    from salon.salons.models import Salon

    app = create_app({"INSTANCE_PATH": str(folder), "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'salon.db'}",
                      "SEARCH_INDEX_DIR": str(folder / "index"),
                      "STORAGE_DIR": str(folder / "files"), "SEARCH_SYNC_ON_COMMIT": False,
                      "LEDGER_EXPORT_JOBS_MANUAL": True})
    with app.app_context():
        db.create_all()
        leader = create_user("boss", "局领导", "局党委", "leader", password=PASSWORD)
        leader.must_change_password = False
        for n in range(20):
            create_user(f"writer{n}", f"民警{n}", f"第{n % 10 + 1}派出所")
        db.session.add(Salon(number=1, month="2026-11", topic="增长测试", status="open"))
        db.session.commit()
    return app


def grow(app, start: int, end: int) -> None:
    """Posts start…end-1 (and their problems) by bulk insert, 5,000 rows a statement."""
    from salon.accounts.models import Unit, User
    from salon.markup import render
    from salon.posts.models import Post
    from salon.problems.models import Problem, ProblemEvent
    from salon.salons.models import Salon

    with app.app_context():
        rendered = render(BODY)
        writers = db.session.execute(db.select(User.id, User.unit_id)
                                     .where(User.username.like("writer%"))).all()
        units = list(db.session.scalars(db.select(Unit.id)))
        salon_id = db.session.scalar(db.select(Salon.id))
        boss = db.session.scalar(db.select(User.id).filter_by(username="boss"))
        base = datetime(2024, 1, 1)
        for chunk in range(start, end, 5000):
            numbers = range(chunk, min(chunk + 5000, end))
            posts = []
            for i in numbers:
                author, unit = writers[i % len(writers)]
                at = base + timedelta(minutes=7 * i)
                posts.append({"id": i + 1, "kind": "problem" if i % 4 == 0 else "experience",
                              "title": f"增长测试稿件 {i} 社区警务", "body": BODY,
                              "body_html": rendered.html, "body_text": rendered.text,
                              "author_id": author, "unit_id": unit, "salon_id": salon_id,
                              "status": "submitted", "exemplary": i % 50 == 0,
                              "in_bulletin": False, "created_at": at, "updated_at": at})
            db.session.execute(db.insert(Post), posts)
            problems = [p for p in posts if p["kind"] == "problem"]
            rows, events = [], []
            for p in problems:
                state = STATES[p["id"] // 4 % len(STATES)]
                assigned = state not in ("raised", "accepted")
                rows.append({"id": p["id"], "post_id": p["id"], "state": state,
                             "source": "officer", "scan": "现象", "analysis": "原因",
                             "proposal": "建议", "outcome": "", "outcome_html": "",
                             "decline_reason": "", "reopen_count": 0,
                             "responsible_unit_id": units[p["id"] % len(units)]
                             if assigned else None,
                             "deadline": date(2025, 6, 1) if assigned else None,
                             "resolved_at": p["created_at"] + timedelta(days=9)
                             if state in ("resolved", "confirmed") else None,
                             "created_at": p["created_at"]})
                events.append({"problem_id": p["id"], "actor_id": boss, "at": p["created_at"],
                               "action": "raise", "from_state": None, "to_state": "raised",
                               "note": "提出问题"})
            db.session.execute(db.insert(Problem), rows)
            db.session.execute(db.insert(ProblemEvent), events)
            db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()


def signed_in(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"username": "boss", "password": PASSWORD,
                                         "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    return client


def timed(client, url: str, repeat: int) -> tuple[float, int]:
    """(median ms, bytes) of `repeat` requests after one warm-up (a large .xlsx export answers
    with a redirect to its background job: that answer is what the request costs)."""
    response = client.get(url)
    assert response.status_code in (200, 302), (url, response.status_code)
    size = len(response.get_data())
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), size


def background_export(app) -> str:
    """The queued .xlsx exports run to the end: the time nobody waits for in a request."""
    from salon.problems import exports

    with app.app_context():
        started = time.perf_counter()
        ran = exports.run_pending()
        took = time.perf_counter() - started
    return f"{took * 1000:8.1f} ms {'（' + str(ran) + ' 个）':>10}" if ran else f"{'直接导出':>22}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-exports", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="salon-growth-"))
    results: dict[str, list[str]] = {}
    try:
        app = build_app(folder)
        done = 0
        for size in sizes:
            started = time.perf_counter()
            grow(app, done, size)
            done = size
            took = time.perf_counter() - started
            print(f"{size:,} 篇稿件（{size // 4:,} 个问题）载入 {took:.1f} s", file=sys.stderr)
            client = signed_in(app)
            values = {"last_post": size, "month": "2026-11"}
            pages = PAGES + ([] if args.no_exports else EXPORTS)
            for label, url in pages:
                ms, size_bytes = timed(client, url.format(**values),
                                       1 if (label, url) in EXPORTS else args.repeat)
                results.setdefault(label, []).append(f"{ms:8.1f} ms {size_bytes / 1024:8.1f} KB")
            if not args.no_exports:
                results.setdefault("台账导出 xlsx 后台任务", []).append(background_export(app))
        header = "".join(f"{f'{n:,} 篇':>26}" for n in sizes)
        print(f"{'页面':<28}{header}")
        for label, cells in results.items():
            print(f"{label:<28}" + "".join(f"{c:>26}" for c in cells))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
