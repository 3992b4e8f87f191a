"""Security headers on every page, and no script that is not a file under /static/."""
import re
from pathlib import Path

import pytest

from salon.web import CONTENT_SECURITY_POLICY

from .routes import ANONYMOUS, build_world, rules, signed_in_clients, url_for_rule

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def directives(policy: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in policy.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


def check_headers(response) -> list[str]:
    """What is wrong with a response's security headers."""
    problems = []
    policy = directives(response.headers.get("Content-Security-Policy", ""))
    script = policy.get("script-src", policy.get("default-src", []))
    if not script or {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(script):
        problems.append(f"script-src is not strict: {script}")
    if policy.get("frame-ancestors") != ["'none'"]:
        problems.append("frame-ancestors is not 'none'")
    if policy.get("object-src") != ["'none'"]:
        problems.append("object-src is not 'none'")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if not response.headers.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    return problems


def check_scripts(html: str) -> list[str]:
    """Every <script> loads a file under /static/; no inline handlers or javascript: URLs."""
    problems = []
    for attributes in SCRIPT_TAG.findall(html):
        src = re.search(r"""\bsrc\s*=\s*["']([^"']+)["']""", attributes)
        if not src:
            problems.append(f"inline <script{attributes}>")
        elif not src.group(1).startswith("/static/"):
            problems.append(f"script from outside /static/: {src.group(1)}")
    problems += [f"inline event handler: {m.group(0)[:80]}" for m in INLINE_HANDLER.finditer(html)]
    problems += [f"javascript: URL: {m.group(0)}" for m in JAVASCRIPT_URL.finditer(html)]
    return problems


def test_policy_itself_is_strict():
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in str(policy)


@pytest.mark.parametrize("who", [ANONYMOUS, "officer", "organizer", "leader", "admin"])
def test_every_page_has_headers_and_only_static_scripts(app, who):
    world = build_world()
    client = signed_in_clients(app)[who]
    problems = []
    for rule in rules(app, {"GET"}):
        url = url_for_rule(app, rule, world)
        response = client.get(url)
        problems += [f"{url}: {p}" for p in check_headers(response)]
        if response.mimetype == "text/html":
            problems += [f"{url}: {p}" for p in check_scripts(response.get_data(as_text=True))]
    assert not problems, f"as {who}:\n" + "\n".join(problems)


def test_error_pages_and_static_files_have_headers_too(client):
    for url in ("/no-such-page", "/static/css/site.css", "/login"):
        with client.get(url) as response:  # a static file is streamed: close it
            assert not check_headers(response), url
    response = client.post("/login", data={})
    assert response.status_code == 400 and not check_headers(response)


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")),
                         ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_no_inline_script(path):
    source = path.read_text(encoding="utf-8")
    problems = check_scripts(source.replace("{{ url_for('static', filename=", "/static/{{ ("))
    assert not problems, f"{path.relative_to(TEMPLATES)}: {problems}"


def test_every_static_script_reference_exists(client):
    static = Path(client.application.static_folder)
    for path in TEMPLATES.rglob("*.html"):
        for name in re.findall(r"url_for\('static', filename='([^']+\.js)'\)", path.read_text()):
            assert (static / name).is_file(), f"{path.name} loads missing static/{name}"


def test_a_page_is_never_framed_or_cached_when_signed_in(client, auth):
    auth.login("officer")
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "no-store" in response.headers["Cache-Control"]
