"""Whole pages kept per user while nothing they show can have changed.

A page served from here is the page the view would render now, because the key holds
everything the page is made of:

- the path and query of the GET request;
- who asks: the signed-in user's id;
- the data: a version that changes whenever any commit to the database becomes visible
  (`DataVersion`: from the database itself, so every writer counts, not just this app);
- today's date (deadlines are shown as 剩余/超期 days);
- any other source a page names (the post page: the search index version, for 相关经验).

The one part of a page that belongs to the session rather than the user, its CSRF token, is
kept as a placeholder and filled in with a token of the asking session each time the page is
served. Flash messages also belong to the session: a request with messages waiting is
rendered afresh, and a page that showed some, changed the session or failed in part
(`dont_keep`) is not kept; neither are answers other than 200 HTML.

The data version is read before the user is loaded and before the view reads anything, so a
kept page holds data at least as new as its version. Roles, deactivation and drafts are data:
when one changes the version changes and every kept page is dropped. A page is kept only when
Flask-Login found the session's user signed in, active, while rendering it; so while the
version stands, serving it again needs no look-up of the user.
"""
import os
import secrets
import sqlite3
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.engine import Engine

from .extensions import db, login_manager
from .timeutil import today

# Stands for the CSRF token in a kept page; random, so no text on a page can look like it.
TOKEN_PLACEHOLDER = secrets.token_hex(20).encode()


class DataVersion:
    """A value that changes whenever a commit to the database becomes visible; None when the
    database cannot tell (then nothing is kept).

    SQLite: `PRAGMA data_version` on a connection changes exactly when another connection has
    committed since its last read. This process keeps one connection that never writes just to
    ask, so every commit counts: this process's, other processes', the sqlite3 shell's.

    PostgreSQL: the current snapshot (`xmin:xmax:in-progress`) says exactly which
    transactions are visible; any transaction that commits (or aborts) changes it.
    """

    def __init__(self, engine: Engine):
        url = engine.url
        self.dialect = engine.dialect.name
        self.path = url.database if (self.dialect == "sqlite" and not url.query
                                     and url.database not in (None, "", ":memory:")) else None
        self._lock = threading.Lock()
        self._watcher: sqlite3.Connection | None = None
        self._opened = 0  # data_version numbers restart with each new connection
        self._pid = None

    def read(self):
        """The version now; read it before reading any data the version is to cover."""
        if self.dialect == "postgresql":
            connection = db.session.connection()
            if (connection.dialect.server_version_info or (0,)) < (13,):
                return None  # pg_current_snapshot() is new in PostgreSQL 13
            return connection.exec_driver_sql("SELECT pg_current_snapshot()::text").scalar()
        if self.path is None:
            return None
        with self._lock:
            try:
                if self._watcher is None or self._pid != os.getpid():  # each worker its own
                    self._watch()
                # fetchall: the statement runs to its end, so no read transaction stays open
                # (one would keep checkpoints from resetting the WAL).
                seen = self._watcher.execute("PRAGMA data_version").fetchall()[0][0]
                return (self._opened, seen)
            except sqlite3.Error:
                self._watcher = None
                return None

    def _watch(self) -> None:
        self._watcher = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._opened += 1
        self._pid = os.getpid()
        weakref.finalize(self, _close_in, self._pid, self._watcher)


def _close_in(pid: int, connection: sqlite3.Connection) -> None:
    """Close the watching connection, but never one a forked process inherited."""
    if os.getpid() == pid:
        connection.close()


class Page:
    """A kept page: its body with TOKEN_PLACEHOLDER where the CSRF token was, its headers."""

    __slots__ = ("body", "headers", "has_token")

    def __init__(self, response: Response, token: str | None):
        self.body = response.get_data()
        self.has_token = bool(token) and token.encode() in self.body
        if self.has_token:
            self.body = self.body.replace(token.encode(), TOKEN_PLACEHOLDER)
        self.headers = [(k, v) for k, v in response.headers.items() if k != "Content-Length"]

    def response(self) -> Response:
        body = self.body
        if self.has_token:  # this session's token (its CSRF secret is in the session already)
            body = body.replace(TOKEN_PLACEHOLDER, generate_csrf().encode())
        response = Response(body, status=200, headers=self.headers)
        response.headers["Cache-Control"] = "private, no-store"  # a signed-in user's page
        return response


class PageCache:
    """This process's kept pages of one app, for the current data version only."""

    def __init__(self, app: Flask, size: int):
        self.size = size
        with app.app_context():
            self.version = DataVersion(db.engine)
        self.sources: dict[str, Callable[[], object]] = {}
        self.pages: OrderedDict[tuple, Page] = OrderedDict()
        self._lock = threading.Lock()
        self._version_seen = None
        self.hits = self.misses = 0

    def key(self, parts: tuple[str, ...]) -> tuple | None:
        """The key of this request's page, or None when it must be rendered afresh."""
        if request.method != "GET" or not self.size or "_flashes" in session:
            return None
        user_id = session.get("_user_id")
        if not user_id or not session.get(_csrf_field()) or not _from_the_browser_that_signed_in():
            return None  # (without a CSRF secret, making a token would change the session)
        if _objects_loaded() or any(name not in self.sources for name in parts):
            return None
        version = self.version.read()
        if version is None:
            return None
        try:
            extra = tuple(self.sources[name]() for name in parts)
        except Exception:  # the view meets the same failure and handles it its own way
            return None
        return (version, user_id, today(), request.full_path, *extra)

    def get(self, key: tuple) -> Page | None:
        with self._lock:
            self._drop_older_versions(key[0])
            page = self.pages.get(key)
            if page is None:
                self.misses += 1
            else:
                self.hits += 1
                self.pages.move_to_end(key)
            return page

    def keep(self, key: tuple, response: Response) -> None:
        if (response.status_code != 200 or response.mimetype != "text/html"
                or response.direct_passthrough or response.is_streamed
                or g.get("page_cache_skip") or session.modified or "_flashes" in session):
            return
        if (not current_user.is_authenticated or current_user.get_id() != key[1]
                or g.get("api_token")):
            return  # only a page Flask-Login rendered for this session's user
        page = Page(response, g.get(_csrf_field()))  # flask-wtf keeps the request's token in g
        with self._lock:
            self._drop_older_versions(key[0])
            self.pages[key] = page
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def _drop_older_versions(self, version) -> None:
        if version != self._version_seen:
            self.pages.clear()
            self._version_seen = version


def _csrf_field() -> str:
    return current_app.config["WTF_CSRF_FIELD_NAME"]


def _objects_loaded() -> bool:
    """Objects read before the version could be older than it (asked without starting a
    database session when the request has none yet)."""
    return db.session.registry.has() and bool(db.session.identity_map)


def _from_the_browser_that_signed_in() -> bool:
    """Flask-Login's session protection would pass this session as it is (same address and
    browser as at sign-in). Otherwise the request takes the usual way, where it decides."""
    identify = getattr(login_manager, "_session_identifier_generator", None)
    return identify is not None and session.get("_id") == identify()


def cached_page(*parts: str) -> Callable:
    """Serve a signed-in GET page from the cache while nothing it shows can have changed.

    Goes above `login_required`, so that the data version is read before the user is loaded.
    `parts` name further version sources the page depends on (see `add_source`).
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            cache: PageCache | None = current_app.extensions.get("page_cache")
            key = cache.key(parts) if cache is not None else None
            if key is None:
                return view(*args, **kwargs)
            page = cache.get(key)
            if page is not None:
                return page.response()
            response = current_app.make_response(view(*args, **kwargs))
            cache.keep(key, response)
            return response

        return wrapped

    return decorator


def add_source(app: Flask, name: str, version: Callable[[], object]) -> None:
    """A feature declares something pages may show besides the database (e.g. its index)."""
    cache = app.extensions.get("page_cache")
    if cache is not None:
        cache.sources[name] = version


def dont_keep() -> None:
    """This request's page is incomplete (a part failed): render it, but do not keep it."""
    g.page_cache_skip = True


def init_app(app: Flask) -> None:
    size = int(app.config["PAGE_CACHE_SIZE"])
    app.extensions["page_cache"] = PageCache(app, size)
