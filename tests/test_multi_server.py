"""Several app servers on one database, each with its own search index following the log.

Two gunicorn servers share DATABASE_URL (PostgreSQL when TEST_DATABASE_URL is set, else one
SQLite file), the secret key and the file folder, but each has its own instance folder and
index. A post written through one is found by a search on the other.
"""
import os
import secrets
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from benchmarks.livesite import Client, Site

pytestmark = pytest.mark.slow


@pytest.fixture
def servers():
    shared = Path(tempfile.mkdtemp(prefix="salon-shared-"))
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        from tests.conftest import postgres_database

        url = postgres_database(server, f"salon_multi_{uuid.uuid4().hex[:8]}")
    else:
        url = f"sqlite:///{shared / 'salon.db'}"
    common = {"SALON_SECRET_KEY": secrets.token_hex(16), "SALON_STORAGE_DIR": str(shared / "files")}
    sites = [Site(url), Site(url)]
    for site in sites:
        site.env.update(common)
    yield sites
    for site in sites:
        site.cleanup()


def search_ids(client: Client, term: str) -> list[int]:
    import json

    status, body = client.request("GET", f"/api/search?q={quote(term)}")
    assert status == 200, body[:200]
    return [hit["id"] for hit in json.loads(body)["results"]]


def test_a_post_written_on_one_server_is_found_on_the_other(servers):
    first, second = servers
    setup = first.prepare(writers=1)          # schema, users, token, an open salon
    for site in servers:
        site.flask("search", "reindex")       # each server builds its own index at first start
        site.start(workers=2)

    writer = Client(first.port, setup["tokens"][0])
    status, answer = writer.post_json("/api/posts", {
        "kind": "experience", "title": "两台服务器共用数据库的巡防经验", "body": "夜间巡防联动。",
        "salon": setup["month"], "tags": ["多服务器"]})
    assert status == 201

    reader = Client(second.port, setup["tokens"][0])
    deadline = time.monotonic() + 20
    while answer["id"] not in search_ids(reader, "巡防经验"):
        assert time.monotonic() < deadline, "另一台服务器的索引没有跟上变更日志"
        time.sleep(0.2)

    browser = Client(first.port)               # a session from one server works on the other
    browser.login("reader")
    browser.port = second.port
    assert browser.get("/posts/") == 200

    for site in servers:
        site.stop()
        check = site.flask("search", "check", check=False)
        assert check.returncode == 0, check.stdout + check.stderr
