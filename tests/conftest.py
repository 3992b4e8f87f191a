"""Shared fixtures: an app on a temporary instance folder, clients, users of every role."""
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from jinja2 import FileSystemBytecodeCache
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from salon import create_app
from salon.accounts.services import create_user
from salon.extensions import db
from salon.search import reindex
from salon.search.freshness import stop_background

PASSWORD = "Passw0rd!"
ROLES = ("officer", "organizer", "leader", "admin")


def database_url(tmp_path) -> str:
    """SQLite in tmp_path, or one database per xdist worker on TEST_DATABASE_URL's server."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        return f"sqlite:///{tmp_path / 'test.db'}"
    return postgres_database(server, "salon_test_" + os.environ.get("PYTEST_XDIST_WORKER", "main"))


def postgres_database(server: str, name: str) -> str:
    """Create the database on first use and return its URL."""
    url = make_url(server)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


class FreshRequestClient(FlaskClient):
    """A test client whose requests start with an empty `g`, as they do in production.

    The fixture keeps one app context open, and Flask reuses it for every request, so `g`
    (flask-login's cached user, the bearer-token flag, the CSRF token) would leak from one
    request, or one client, into the next.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def template_cache(tmp_path_factory):
    """Compiled templates shared by every test's app (compiling them is most of an app's cost)."""
    return tmp_path_factory.mktemp("jinja-cache")


def app_settings(tmp_path, **overrides) -> dict:
    """Settings of a test app: everything it writes lives under tmp_path."""
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
        "SECRET_KEY": "test",
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "STORAGE_DIR": str(tmp_path / "files"),
        "RATELIMIT_ENABLED": False,
        "BULLETIN_JOBS_MANUAL": True,  # tests run build jobs themselves (jobs.run_pending)
        "LEDGER_EXPORT_JOBS_MANUAL": True,  # likewise the background ledger exports
        **overrides,
    }


@contextmanager
def app_with_schema(settings: dict, seed: bool = True) -> Iterator[Flask]:
    """An app on a fresh schema (with the seeded users unless told not to), torn down after."""
    app = create_app(settings)
    app.test_client_class = FreshRequestClient
    with app.app_context():
        db.drop_all()
        db.create_all()
        if seed:
            seed_users()
        reindex(app)  # as a site's first start does (`flask search reindex`, `flask demo`)
        yield app
        stop_background()  # a retry firing after teardown would open a connection nobody closes
        db.session.remove()
        db.drop_all()
        db.engine.dispose()  # close pooled connections now, not at a random garbage collection


@pytest.fixture
def app(tmp_path, template_cache):
    with app_with_schema(app_settings(tmp_path)) as app:
        app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(template_cache))
        yield app


# The stored hash sets what checking it costs: a low-cost scrypt keeps every test sign-in
# fast. The app itself hashes with werkzeug's default (much higher) scrypt cost.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
UNITS = {"officer": "城关派出所", "organizer": "治安大队", "leader": "局党委",
         "admin": "科技信息化科"}


def seed_users() -> None:
    """One user per role (officer in 城关派出所), and officer2 in 曹甸派出所."""
    for role in ROLES:
        create_user(role, f"测试{role}", UNITS[role], role).password_hash = PASSWORD_HASH
    create_user("officer2", "王二", "曹甸派出所", "officer").password_hash = PASSWORD_HASH
    db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, url: str = "/login") -> str:
    """Read the CSRF token a page hands out, as a browser would."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, username: str = "officer", password: str = PASSWORD):
        token = csrf_token(self.client)
        return self.client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": csrf_token(self.client, "/")})


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def count_queries(app):
    """Count SQL statements run inside a `with count_queries() as counter:` block."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        statements: list[str] = []
        owner = threading.get_ident()

        def record(_conn, _cursor, statement, *_args):
            if threading.get_ident() == owner:  # not a background index retry's queries
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting
