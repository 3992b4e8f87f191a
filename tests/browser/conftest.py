"""Browser harness: the real app on a live port, Debian's Chromium driven by Playwright.

Every page a test opens is watched: a JavaScript dialog, a console message from a hook or a
touched `window.__xss` canary means a script ran that should not have.
"""
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from benchmarks.livesite import free_port
from salon import create_app
from salon.extensions import db

from .seed import seed_site

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--lang=zh-CN", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL_PATH = "/__test__/axe.min.js"   # served by page.route, never by the app

# Runs before any page script: records what an injected script would do.
WATCH_SCRIPT = """
(() => {
  window.__xss = undefined;
  window.__consoleHits = [];
  for (const name of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'table']) {
    const original = console[name];
    console[name] = function (...args) {
      window.__consoleHits.push(name + ': ' + args.map(String).join(' '));
      return original.apply(console, args);
    };
  }
})();
"""


class LiveServer:
    """The app served by werkzeug in a thread, on its own temporary instance."""

    def __init__(self, app, port: int):
        self.app = app
        self.url = f"http://127.0.0.1:{port}"
        self._server = make_server("127.0.0.1", port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "LiveServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@contextmanager
def seeded_site(folder: Path) -> Iterator[LiveServer]:
    """A served site with demo-like data (see seed.py) in its own folder; stopped after."""
    app = create_app({
        "INSTANCE_PATH": str(folder / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'site.db'}",
        "SECRET_KEY": "browser-tests",
        "SEARCH_INDEX_DIR": str(folder / "index"),
        "STORAGE_DIR": str(folder / "files"),
        "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        db.create_all()
        seed_site(app)
    server = LiveServer(app, free_port()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The site for the whole test session."""
    with seeded_site(tmp_path_factory.mktemp("browser-site")) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless; a missing browser fails the run (it is never skipped)."""
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"找不到 {CHROMIUM}：请运行 scripts/system-deps test", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watch:
    """What a page did that only a script could do: dialogs, console calls, the canary."""

    def __init__(self):
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.page_errors: list[str] = []

    def attach(self, page) -> None:
        def on_dialog(dialog):
            self.dialogs.append(f"{dialog.type}: {dialog.message} @ {page.url}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text} @ {page.url}"))
        page.on("pageerror", lambda error: self.page_errors.append(f"{error} @ {page.url}"))

    def script_hits(self, page) -> list[str]:
        """Everything on this page that proves an injected script ran."""
        hits = [f"dialog {d}" for d in self.dialogs]
        state = page.evaluate("() => ({canary: window.__xss, calls: window.__consoleHits || []})")
        if state["canary"] is not None:
            hits.append(f"window.__xss = {state['canary']!r} @ {page.url}")
        hits += [f"console {call} @ {page.url}" for call in state["calls"]]
        return hits


def new_page(browser, watch: Watch | None = None, **context_options):
    """A fresh context and page (own cookies), watched, with axe-core servable."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  **context_options)
    context.set_default_timeout(15_000)
    context.add_init_script(WATCH_SCRIPT)
    context.route(f"**{AXE_URL_PATH}", lambda route: route.fulfill(
        path=str(AXE_SOURCE), content_type="application/javascript"))
    page = context.new_page()
    if watch is not None:
        watch.attach(page)
    return page


@pytest.fixture
def watch():
    return Watch()


@pytest.fixture
def page(browser, watch):
    """A watched page in its own context; closed after the test."""
    page = new_page(browser, watch)
    yield page
    page.context.close()


@pytest.fixture
def open_as(browser, live_server):
    """open_as("leader") → a signed-in watched page for that user (several may be open)."""
    pages = []

    def opener(username: str, watch: Watch | None = None):
        page = new_page(browser, watch or Watch())
        login(page, live_server, username)
        pages.append(page)
        return page

    yield opener
    for page in pages:
        page.context.close()


def login(page, live_server, username: str) -> None:
    """Sign in through the real form, as a person would."""
    from tests.conftest import PASSWORD

    page.goto(live_server("/login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} 未能登录"


def screenshot(page, name: str) -> Path:
    """Save a full-page PNG under test-output/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core on the page; the violations of these impacts, short enough to read."""
    if page.evaluate("() => typeof window.axe") == "undefined":
        page.add_script_tag(url=AXE_URL_PATH)   # same origin, so the CSP allows it
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in impacts
    ]
