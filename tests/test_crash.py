"""Crash safety: kill -9 app workers and the indexer mid-write; nothing committed is lost.

The real app runs under gunicorn on a temporary instance (SQLite, or a database of its own on
TEST_DATABASE_URL's PostgreSQL server). Clients create posts through the API; every post whose
POST was answered 201 must be in the database after a restart, and in the search index once
it has caught up from the change log.
"""
import os
import signal
import subprocess
import threading
import time
import uuid

import pytest

from benchmarks.livesite import BIN, ROOT, Client, Site

pytestmark = pytest.mark.slow

WRITERS = 4
POSTS_PER_WRITER = 400        # an upper bound: the test stops the writers long before
BODY = "社区民警走访辖区，化解矛盾纠纷。" * 3


@pytest.fixture
def site():
    server = os.environ.get("TEST_DATABASE_URL")
    url = None
    if server:
        from tests.conftest import postgres_database

        url = postgres_database(server, f"salon_crash_{uuid.uuid4().hex[:8]}")
    site = Site(url)
    yield site
    site.cleanup()


class Writers:
    """Client threads creating posts until stopped; remembers every 201 answer."""

    def __init__(self, site: Site, tokens: list[str], month: str):
        self.site, self.tokens, self.month = site, tokens, month
        self.created: dict[int, str] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.write, args=(n,)) for n in range(WRITERS)]

    def write(self, number: int) -> None:
        for i in range(POSTS_PER_WRITER):
            if self.stopping.is_set():
                return
            title = f"崩溃测试 {number}-{i} 社区警务"
            try:
                status, answer = Client(self.site.port, self.tokens[number], timeout=30).post_json(
                    "/api/posts", {"kind": "experience", "title": title, "body": BODY,
                                   "salon": self.month, "tags": ["崩溃测试"]})
            except OSError:
                time.sleep(0.05)   # the server is down or restarting: try the next one
                continue
            if status == 201:
                with self.lock:
                    self.created[answer["id"]] = title

    def wait_for(self, count: int, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while len(self.created) < count:
            assert time.monotonic() < deadline, f"只创建了 {len(self.created)} 篇"
            time.sleep(0.05)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)


def titles_in_database(site: Site) -> dict[int, str]:
    out = site.python(
        "from salon import create_app\nfrom salon.extensions import db\n"
        "from salon.posts.models import Post\napp = create_app()\n"
        "with app.app_context():\n"
        "    for i, t in db.session.execute(db.select(Post.id, Post.title)): print(i, t)\n")
    return {int(i): t for i, t in (line.split(" ", 1) for line in out.splitlines())}


def catch_up_and_check(site: Site) -> None:
    """After a restart the index catches up from the change log and agrees with the database."""
    site.flask("search", "catch-up")
    check = site.flask("search", "check", check=False)
    assert check.returncode == 0, check.stdout + check.stderr


def test_kill_9_of_workers_loses_no_committed_post(site):
    setup = site.prepare(writers=WRITERS)
    site.start(workers=2)
    with Writers(site, setup["tokens"], setup["month"]) as writers:
        writers.wait_for(25)
        os.kill(site.worker_pids()[0], signal.SIGKILL)       # one worker dies mid-request
        writers.wait_for(len(writers.created) + 25)           # the master replaced it
        site.kill_master_and_workers()                        # then the whole server
        time.sleep(0.5)
        site.start(workers=2)                                 # restart on the same instance
        writers.wait_for(len(writers.created) + 15)
    site.stop()

    stored = titles_in_database(site)
    missing = {i: t for i, t in writers.created.items() if stored.get(i) != t}
    assert not missing, f"已提交却丢失的稿件：{missing}"
    assert len(writers.created) >= 65
    print(f"\n得到 201 的稿件 {len(writers.created)} 篇，重启后全部在库；"
          f"库中共 {len(stored)} 篇")
    catch_up_and_check(site)


BULK_POSTS = """
from salon import create_app
from salon.accounts.models import User
from salon.extensions import db
from salon.posts.models import Post
from salon.salons.models import Salon
app = create_app()
with app.app_context():
    author = db.session.scalar(db.select(User).filter_by(username="writer0"))
    salon = db.session.scalar(db.select(Salon).filter_by(status="open"))
    for start in range(0, {count}, 250):
        for i in range(start, min(start + 250, {count})):
            db.session.add(Post(kind="experience", title=f"索引崩溃 {{i}} 社区警务室",
                                body={body!r}, author=author, unit=author.unit, salon=salon,
                                status="submitted"))
        db.session.commit()
"""


def new_files(folder, before: set) -> set:
    return {p.name for p in folder.rglob("*")} - before if folder.exists() else set()


def kill_when_writing(site: Site, command: str, folder) -> None:
    """Start `flask search COMMAND`, kill -9 it once it has begun writing index files."""
    before = {p.name for p in folder.rglob("*")} if folder.exists() else set()
    process = subprocess.Popen([str(BIN / "flask"), "--app", "salon", "search", command],
                               cwd=ROOT, env=site.env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not new_files(folder, before):
        assert process.poll() is None, f"flask search {command} 在写入前就结束了"
        assert time.monotonic() < deadline, f"flask search {command} 迟迟未写索引"
        time.sleep(0.02)
    time.sleep(0.2)
    assert process.poll() is None, f"flask search {command} 在被杀前已完成：加大数据量"
    process.kill()
    process.wait()


def test_kill_9_of_the_indexer_is_caught_up(site):
    """The indexer dies while applying the change log, then while rebuilding: both repaired."""
    site.prepare(writers=1)
    site.python(BULK_POSTS.format(count=10, body=BODY))
    site.flask("search", "reindex")                   # a working index
    site.env["SALON_SEARCH_SYNC_ON_COMMIT"] = "false"  # then let the log pile up
    site.python(BULK_POSTS.format(count=1200, body=BODY))
    index = site.folder / "search-index"

    kill_when_writing(site, "catch-up", index)
    check = site.flask("search", "check", check=False)
    assert check.returncode != 0 and "缺失" in check.stdout   # the kill left the index behind
    catch_up_and_check(site)

    kill_when_writing(site, "reindex", site.folder)   # the new index is built beside the old
    catch_up_and_check(site)
