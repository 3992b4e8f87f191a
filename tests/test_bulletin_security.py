"""Hostile post bodies: no request leaves the renderer, no file is read or embedded."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO

import pytest
from pypdf import PdfReader

from salon.bulletin.render.pdf import ORIGIN, BulletinFetcher, FetchRefused, RenderJob, render
from salon.bulletin.services import build
from salon.extensions import db
from tests import bulletin_data as d


@pytest.fixture
def server():
    """A web server on 127.0.0.1 that records every request it gets."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()

        def log_message(self, *_args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()
    httpd.server_close()


def hostile(base: str) -> str:
    return f"""
![x]({base}/md-image.png)

<img src="{base}/img.png"> <img src="file:///etc/passwd"> <img src="/uploads/../../../etc/passwd">
<img src="/static/../../../../etc/passwd"> <img src="/uploads/%2e%2e/%2e%2e/etc/passwd">
<link rel="stylesheet" href="{base}/style.css">
<style>@import url("{base}/import.css"); body {{ background: url("{base}/bg.png") }}</style>
<p style="background: url('{base}/inline.png')">有样式的段落</p>
<a rel="attachment" href="file:///etc/passwd">附件</a>
<a rel="attachment" href="/static/fonts/fonts.conf">附件二</a>
<object data="file:///etc/passwd"></object><embed src="{base}/embed">
<iframe src="{base}/frame"></iframe>
<svg><image href="{base}/svg.png"/></svg>
<video src="{base}/video.mp4" poster="{base}/poster.png"></video>
正文里的恶意样本结束。
"""


def _assert_clean(pdf: bytes, attachments_allowed: bool = False) -> None:
    reader = PdfReader(BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "root:" not in text and "fontconfig" not in text
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get("/Names", {}))
    for page in reader.pages if not attachments_allowed else []:
        for annot in page.get("/Annots") or []:
            assert annot.get_object()["/Subtype"] != "/FileAttachment"
    assert b"root:x:0" not in pdf


def _png() -> bytes:
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_hostile_post_bodies_fetch_and_embed_nothing(app, server):
    """...while the post's own uploaded photo is printed."""
    from salon.storage import storage

    base, hits = server
    photo = "0123456789abcdef0123456789abcdef.png"  # the shape of a key uploads.py hands out
    storage().put(f"uploads/{photo}", _png(), "image/png")
    salon = d.salon(1, "2026-10")
    d.post(salon, "恶意稿件", body=f"![现场照片](/uploads/{photo})\n\n" + hostile(base))
    db.session.commit()
    pdf = build(salon).pdf
    assert hits == []
    _assert_clean(pdf)
    images = [name for page in PdfReader(BytesIO(pdf)).pages for name in page.images]
    assert len(images) == 1
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)
    assert "正文里的恶意样本结束" in text


def test_fetcher_alone_refuses_raw_hostile_html(app, server):
    """Even unsanitised HTML (the fetcher is the last line) reaches nothing outside."""
    base, hits = server
    html = f"<html><body><p>原始</p>{hostile(base)}</body></html>"
    pdf = render(RenderJob(html, app.static_folder, app.config["STORAGE_DIR"], {})).pdf
    assert hits == []
    # Raw HTML may attach our own stylesheet at most; fonts.conf and /etc/passwd stay out.
    _assert_clean(pdf, attachments_allowed=True)
    assert b"<fontconfig>" not in pdf


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://127.0.0.1:1/x.png",
    "https://bulletin.invalid/static/css/bulletin-print.css",
    "data:text/plain,hello",
    f"{ORIGIN}/static/../../../etc/passwd",
    f"{ORIGIN}/static/%2e%2e/%2e%2e/etc/passwd",
    f"{ORIGIN}/uploads/..%2f..%2fsecret_key",
    f"{ORIGIN}/uploads/missing.png",
    f"{ORIGIN}/uploads/uploads/photo.png",
    f"{ORIGIN}/etc/passwd",
    f"{ORIGIN}/static/fonts/fonts.conf",
    f"{ORIGIN}/static/css/bulletin-print.css?x=1",
    f"{ORIGIN}@127.0.0.1/static/css/bulletin-print.css",
])
def test_fetcher_refuses(app, url):
    fetcher = BulletinFetcher(app.static_folder, app.config["STORAGE_DIR"], {})
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)


def test_fetcher_serves_static_uploads_and_assets(app):
    from salon.storage import storage

    storage().put("uploads/photo.png", b"\x89PNG-bytes", "image/png")
    fetcher = BulletinFetcher(app.static_folder, app.config["STORAGE_DIR"], {"c.svg": b"<svg/>"})
    assert b"@page" in fetcher.fetch(f"{ORIGIN}/static/css/bulletin-print.css").read()
    assert fetcher.fetch(f"{ORIGIN}/uploads/photo.png").read() == b"\x89PNG-bytes"
    response = fetcher.fetch(f"{ORIGIN}/bulletin-assets/c.svg")
    assert response.read() == b"<svg/>" and response.content_type == "image/svg+xml"
