"""CPU time and SQL statements per request of the post list and a post page, in-process.

    .venv/bin/python benchmarks/page_profile.py [--posts 2000] [--repeat 200] [--profile 25]

The same pages `load_test.py` measures under gunicorn, with the same kind of data (posts
written through the services, as its writers do through the API), requested by a signed-in
officer through Flask's test client in production settings (no TESTING, no debug). Process
CPU time is stable when other jobs share the machine, unlike requests per second.
`--profile N` prints the N most expensive functions (cumulative) of each.
"""
import argparse
import cProfile
import io
import pstats
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.load_test import BODY  # noqa: E402
from salon import create_app  # noqa: E402
from salon.extensions import db  # noqa: E402

PASSWORD = "Passw0rd!profile"


def build_site(folder: Path, posts: int):
    """An app on a new SQLite instance: `reader`, 20 writers, an open salon, N posts."""
    from salon.accounts.services import create_user
    from salon.posts.services import PostInput, create_post
    from salon.salons.models import Salon
    from salon.search import reindex
    from salon.timeutil import now

    app = create_app({"INSTANCE_PATH": str(folder), "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'salon.db'}",
                      "SEARCH_INDEX_DIR": str(folder / "index"),
                      "STORAGE_DIR": str(folder / "files"), "SEARCH_SYNC_ON_COMMIT": False})
    with app.app_context():
        db.create_all()
        reader = create_user("reader", "读者", "城关派出所", password=PASSWORD)
        reader.must_change_password = False  # set by the script, as an admin would: else every
        # page answers 302 to 修改密码
        writers = [create_user(f"writer{n}", f"民警{n}", f"第{n % 5 + 1}派出所")
                   for n in range(20)]
        salon = Salon(number=1, month=now().strftime("%Y-%m"), topic="负载测试", status="open")
        db.session.add(salon)
        for i in range(posts):
            number, j = i % 20, i // 20
            create_post(writers[number], PostInput(
                kind="problem" if j % 4 == 0 else "experience",
                title=f"负载测试稿件 {number}-{j} 社区警务", body=BODY * (1 + j % 3),
                salon=salon, tags=["负载测试", f"第{number % 5 + 1}组"]))
            if i % 200 == 199:
                db.session.commit()
        db.session.commit()
        reindex(app)
        last = db.session.scalar(db.select(db.func.max(db.text("post.id"))).select_from(
            db.table("post")))
    app.config["SEARCH_SYNC_ON_COMMIT"] = True
    return app, last


def signed_in_client(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"username": "reader", "password": PASSWORD,
                                         "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    return client


def measure(app, client, path: str, repeat: int) -> tuple[float, int]:
    """(CPU ms per request, SQL statements per request) after warm-up requests."""
    statements = []

    def record(*_args):
        statements.append(1)

    for _ in range(2):  # the first may show the sign-in message, which is never kept
        assert client.get(path).status_code == 200
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    started = time.process_time()
    for _ in range(repeat):
        client.get(path)
    return (time.process_time() - started) * 1000 / repeat, len(statements)


def profile(client, path: str, repeat: int, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        client.get(path)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="salon-profile-"))
    try:
        app, last = build_site(folder, args.posts)
        client = signed_in_client(app)
        for path in ("/posts/", f"/posts/{last}"):
            ms, queries = measure(app, client, path, args.repeat)
            print(f"{path:<14} {ms:7.2f} CPU ms/请求  {queries} 条 SQL")
            if args.profile:
                print(profile(client, path, args.repeat, args.profile))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
