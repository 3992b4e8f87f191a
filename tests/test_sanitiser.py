"""Markdown is rendered, then sanitised: every payload of the XSS list and Markdown tricks."""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from salon.markup import ALLOWED_TAGS, render

from .conftest import csrf_token
from .post_factories import make_post, make_salon

PAYLOADS_FILE = Path(__file__).parent / "data" / "xss" / "xss-payload-list.txt"
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
# On a whole page the layout has its own forms, inputs and meta tags; these never belong there.
PAGE_FORBIDDEN_TAGS = {"script", "style", "iframe", "object", "embed", "svg", "math", "link",
                       "base", "frame", "frameset", "applet"}
FORBIDDEN_TAGS = PAGE_FORBIDDEN_TAGS | {"meta", "form", "template", "input", "button"}
UPLOAD_SRC = re.compile(r"/uploads/[0-9a-f]{32}\.(?:jpg|png|webp)")
RAW_FORBIDDEN = re.compile(r"<\s*/?\s*(script|iframe|object|svg|link|style|embed)\b", re.I)
# The layout's own tags on a full page: the stylesheets and the bundled scripts.
PAGE_SCRIPTS = {"/static/vendor/bootstrap/bootstrap.bundle.min.js", "/static/js/posts.js",
                "/static/js/print.js"}
PAGE_LINKS = {"/static/vendor/bootstrap/bootstrap.min.css", "/static/css/site.css"}


def payloads() -> list[str]:
    assert PAYLOADS_FILE.exists(), f"the vendored XSS payload list is missing: {PAYLOADS_FILE}"
    return [p for p in PAYLOADS_FILE.read_text(encoding="utf-8", errors="replace").split("\n")
            if p.strip()]


class TagCollector(HTMLParser):
    """Every start tag with its attributes, entities decoded as a browser would."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, [(k, v or "") for k, v in attrs]))

    handle_startendtag = handle_starttag


def url_scheme(value: str) -> str:
    """What a browser sees as the start of a URL: control characters and spaces ignored."""
    return re.sub(r"[\x00-\x20\x7f]+", "", value).lower()


def problems_in(html: str, page: bool = False) -> list[str]:
    """Everything unsafe in a piece of HTML (an empty list when it is clean)."""
    found = []
    collector = TagCollector()
    collector.feed(html)
    collector.close()
    for tag, attrs in collector.tags:
        attributes = dict(attrs)
        if page and tag == "script" and attributes.get("src") in PAGE_SCRIPTS:
            continue
        if page and tag == "link" and attributes.get("href") in PAGE_LINKS:
            continue
        if tag in (PAGE_FORBIDDEN_TAGS if page else FORBIDDEN_TAGS | ({tag} - ALLOWED_TAGS)):
            found.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "formaction", "srcdoc", "xlink:href"):
                found.append(f"attribute {name} on <{tag}>")
            if name in ("href", "src", "action", "background", "poster", "lowsrc", "dynsrc"):
                if url_scheme(value).startswith(DANGEROUS_SCHEMES):
                    found.append(f"{name}={value!r} on <{tag}>")
        if tag == "img" and "src" in attributes and not UPLOAD_SRC.fullmatch(attributes["src"]):
            found.append(f"img src={attributes['src']!r}")
    if not page:
        found += [f"raw {m.group(0)!r}" for m in RAW_FORBIDDEN.finditer(html)]
    return found


@pytest.mark.slow
def test_every_payload_of_the_list_renders_safely():
    failures = {}
    for payload in payloads():
        bad = problems_in(render(payload).html)
        if bad:
            failures[payload] = bad
    assert not failures, f"{len(failures)} unsafe renderings, e.g. {list(failures.items())[:3]}"


def test_the_list_is_the_full_list():
    assert len(payloads()) >= 6600


MARKDOWN_TRICKS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) \"t\")",
    "[x](<javascript:alert(1)>)",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;vascript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "[x][ref]\n\n[ref]: &#106;avascript:alert(1) \"t\"",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "<http://a.example/\" onmouseover=\"alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"&#14;javascript:alert(1)\">x</a>",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](https://evil.example/track.png)",
    "![x](//evil.example/track.png)",
    "![x](/uploads/../../secret_key)",
    "![x](/uploads/0123456789abcdef0123456789abcdef.png\" onerror=\"alert(1))",
    "![x][img]\n\n[img]: javascript:alert(1)",
    "[![x](javascript:alert(1))](javascript:alert(2))",
    "[<img src=x onerror=alert(1)>](http://a.example/)",
    "[x](http://a.example/){: onclick=\"alert(1)\" }",
    "[x](http://a.example/){: style=\"position:fixed\" href=\"javascript:alert(1)\" }",
    "# 标题 {: onmouseover=\"alert(1)\" }",
    "*[HTML]: <script>alert(1)</script>\n\nHTML",
    "正文[^1]\n\n[^1]: <img src=x onerror=alert(1)>",
    "<div markdown=\"1\">[x](javascript:alert(1))</div>",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    "> <iframe src=\"http://evil.example/\"></iframe>",
    "| a |\n|---|\n| <svg onload=alert(1)> |",
    "- <object data=\"x.swf\"></object>\n- <link rel=import href=x>",
    "<style>body{display:none}</style>",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<!-- <script>alert(1)</script> -->",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
]


@pytest.mark.parametrize("source", MARKDOWN_TRICKS)
def test_markdown_tricks_render_safely(source):
    html = render(source).html
    assert problems_in(html) == [], html


def test_legitimate_markdown_survives():
    key = "0123456789abcdef0123456789abcdef"
    html = (render(
        f"# 标题\n\n> 引用\n\n1. 一\n2. 二\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        f"```\ncode <b>\n```\n\n[链接](https://example.org/x?a=1) ![图](/uploads/{key}.png)")).html
    assert "<h1>标题</h1>" in html and "<blockquote>" in html and "<ol>" in html
    assert "<td>1</td>" in html and "code &lt;b&gt;" in html
    assert 'href="https://example.org/x?a=1"' in html and f'src="/uploads/{key}.png"' in html


@pytest.fixture
def writer(client, auth):
    make_salon()
    auth.login()
    return client


def test_a_sample_of_payloads_through_the_post_page(writer):
    sample = payloads()[::40] + MARKDOWN_TRICKS
    for start in range(0, len(sample), 60):
        chunk = sample[start:start + 60]
        post = make_post(title=chunk[0][:200], body="\n\n".join(chunk), tags=["<b>x</b>"])
        token = csrf_token(writer, f"/posts/{post.id}")
        writer.post(f"/posts/{post.id}/comments", data={"body": chunk[1], "csrf_token": token})
        html = writer.get(f"/posts/{post.id}").get_data(as_text=True)
        assert problems_in(html, page=True) == []
        listing = writer.get("/posts/").get_data(as_text=True)
        assert problems_in(listing, page=True) == []


def test_page_security_headers(writer):
    post = make_post()
    response = writer.get(f"/posts/{post.id}")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("html", [
    '<a href="java&#x09;script:alert(1)">x</a>', "<img src=x onerror=alert(1)>",
    "<p style=color:red>x</p>", "<svg></svg>", "<img src=https://evil.example/x.png>",
])
def test_the_checker_itself_catches_unsafe_html(html):
    assert problems_in(html)
