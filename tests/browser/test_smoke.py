"""The harness itself: the site answers in Chromium, signs in, and the watch sees scripts."""
import pytest

from .conftest import Watch, axe_violations, login, screenshot

pytestmark = pytest.mark.browser


def test_login_page_signs_in_and_is_accessible(page, live_server, watch):
    page.goto(live_server("/login"))
    screenshot(page, "login")
    assert axe_violations(page) == []
    login(page, live_server, "officer")
    assert page.get_by_text("欢迎，测试officer").is_visible()
    screenshot(page, "home")
    assert axe_violations(page) == []
    assert watch.script_hits(page) == []


def test_watch_catches_dialogs_console_calls_and_the_canary(browser, live_server):
    """A harness that could not see a script run would prove nothing."""
    from .conftest import new_page

    watch = Watch()
    page = new_page(browser, watch, bypass_csp=True)
    try:
        page.goto(live_server("/login"))
        page.evaluate("() => { alert('x'); console.log('y'); window.__xss = 1; }")
        hits = watch.script_hits(page)
    finally:
        page.context.close()
    assert any(h.startswith("dialog alert: x") for h in hits)
    assert any("window.__xss = 1" in h for h in hits)
    assert any("console log: y" in h for h in hits)


def test_the_site_csp_blocks_an_inline_script(page, live_server, watch):
    """Without bypass_csp an inline script does not run: the second line of defence."""
    page.goto(live_server("/login"))
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.__xss = 2'; document.body.append(s); }""")
    assert page.evaluate("() => window.__xss") is None
    assert any("Content Security Policy" in line for line in watch.console)


def test_the_dom_scan_sees_handlers_script_urls_and_frames(page, live_server):
    from tests.xss import dom_problems

    page.goto(live_server("/login"))
    assert dom_problems(page) == []
    page.evaluate("""() => document.body.insertAdjacentHTML('beforeend',
        '<img src="/x.png" onmouseover="1"><a href=" java\\tscript:1">x</a><iframe></iframe>')""")
    found = " ".join(dom_problems(page))
    assert "onmouseover" in found and "<a href" in found and "<iframe>" in found
