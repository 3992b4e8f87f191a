"""Image uploads: checked by content, re-encoded, stored, served only to signed-in users."""
from io import BytesIO

import pytest
from PIL import Image

from salon.extensions import db
from salon.posts.models import Upload
from salon.storage import storage

from .conftest import csrf_token
from .post_factories import make_post, make_salon, png_bytes


@pytest.fixture
def writer(client, auth):
    make_salon()
    auth.login()
    return client


def upload(client, data: bytes, name: str = "photo.png", json_answer: bool = True, caption=""):
    headers = {"Accept": "application/json"} if json_answer else {}
    return client.post("/posts/images", headers=headers, content_type="multipart/form-data", data={
        "image": (BytesIO(data), name), "caption": caption,
        "csrf_token": csrf_token(client, "/posts/images")})


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (64, 48), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x8825] = {2: (31.0, 0.0, 0.0)}  # GPS IFD: where the photo was taken
    out = BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.parametrize("fmt, content_type", [
    ("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_accepted_formats_are_stored_and_served(writer, fmt, content_type):
    response = upload(writer, png_bytes(fmt=fmt), name="x.bin", caption="现场照片")
    assert response.status_code == 201
    answer = response.get_json()
    assert answer["markdown"] == f"![现场照片]({answer['url']})"
    served = writer.get(answer["url"])
    assert served.status_code == 200 and served.mimetype == content_type
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"] == "inline"
    assert "max-age=31536000" in served.headers["Cache-Control"]
    assert Image.open(BytesIO(served.data)).format == fmt
    row = db.session.scalar(db.select(Upload))
    assert (row.width, row.height, row.content_type) == (40, 30, content_type)


@pytest.mark.parametrize("data, name", [
    (b"GIF89a" + b"\x00" * 100, "fake.png"),
    (b"<html><script>alert(1)</script></html>", "page.png"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "icon.png"),
    (b"%PDF-1.4\n", "doc.jpg"),
    (png_bytes()[:60], "truncated.png"),
    (png_bytes(fmt="GIF"), "real.gif"),
    (png_bytes(fmt="BMP"), "real.png"),
    (b"", "empty.png"),
])
def test_other_content_is_refused_in_chinese_whatever_the_name(writer, data, name):
    response = upload(writer, data, name=name)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error)
    assert db.session.scalar(db.select(db.func.count(Upload.id))) == 0


def test_size_and_pixel_limits(app, writer):
    app.config["UPLOAD_MAX_BYTES"] = 1000
    big = png_bytes(size=(400, 400), color=(1, 2, 3))
    noisy = Image.effect_noise((200, 200), 100).convert("RGB")
    out = BytesIO()
    noisy.save(out, format="PNG")
    response = upload(writer, out.getvalue())
    assert response.status_code == 400 and "图片过大" in response.get_json()["error"]
    app.config["UPLOAD_MAX_BYTES"] = 5 * 1024 * 1024
    app.config["UPLOAD_MAX_PIXELS"] = 100 * 100
    response = upload(writer, big)
    assert response.status_code == 400 and "像素" in response.get_json()["error"]


def test_reencoding_strips_metadata_and_trailing_payloads(writer):
    polyglot = jpeg_with_exif() + b"<script>alert(1)</script>"
    answer = upload(writer, polyglot, name="p.jpg").get_json()
    stored = writer.get(answer["url"]).data
    assert b"SecretCamera" not in stored and b"<script>" not in stored
    assert not Image.open(BytesIO(stored)).getexif()


def test_without_javascript_the_page_shows_the_snippet(writer):
    response = upload(writer, png_bytes(), json_answer=False)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "![图片](/uploads/" in html and "复制" in html


def test_uploaded_image_shows_in_a_post(writer):
    url = upload(writer, png_bytes()).get_json()["url"]
    post = make_post(body=f"现场：\n\n![现场]({url})")
    html = writer.get(f"/posts/{post.id}").get_data(as_text=True)
    assert f'<img alt="现场" src="{url}">' in html


def test_images_need_sign_in_and_unknown_keys_are_404(client, auth, writer):
    url = upload(writer, png_bytes()).get_json()["url"]
    assert writer.get("/uploads/" + "0" * 32 + ".png").status_code == 404
    assert writer.get("/uploads/..%2Fsecret_key").status_code == 404
    auth.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_storage_outside_uploads_is_not_served(writer):
    storage().put("bulletins/secret.pdf", b"%PDF", "application/pdf")
    assert writer.get("/uploads/bulletins/secret.pdf").status_code == 404


def test_upload_needs_csrf_and_a_writer(client, auth, writer):
    response = writer.post("/posts/images", headers={"Accept": "application/json"},
                           data={"image": (BytesIO(png_bytes()), "a.png")})
    assert response.status_code == 400
    auth.logout()
    auth.login("admin")
    assert client.get("/posts/images").status_code == 403


def test_editor_has_upload_form_and_script(writer):
    html = writer.get("/posts/new").get_data(as_text=True)
    assert 'action="/posts/images"' in html and "上传图片" in html
    assert '<script src="/static/js/posts.js"></script>' in html
    assert "<script>" not in html  # CSP: no inline scripts


def test_files_follow_their_transaction(app):
    """A file put for a transaction goes if it rolls back; one dropped goes only on commit."""
    from salon.storage import delete_with_transaction, put_for_transaction

    files = storage()
    put_for_transaction("uploads/kept.png", b"1", "image/png")
    db.session.commit()
    put_for_transaction("uploads/undone.png", b"2", "image/png")
    delete_with_transaction("uploads/kept.png")
    db.session.rollback()
    assert files.exists("uploads/kept.png") and not files.exists("uploads/undone.png")
    with db.session.begin_nested():  # a savepoint's rollback is not the transaction's
        put_for_transaction("uploads/outer.png", b"3", "image/png")
    delete_with_transaction("uploads/kept.png")
    db.session.commit()
    assert files.exists("uploads/outer.png") and not files.exists("uploads/kept.png")


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width × height pixels in a few bytes (a decompression bomb's header)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def test_decompression_bomb_is_called_too_many_pixels(writer):
    response = upload(writer, png_header_only(40_000, 40_000))
    assert response.status_code == 400
    assert "图片像素过多" in response.get_json()["error"]
    assert db.session.scalar(db.select(db.func.count(Upload.id))) == 0


def test_an_upload_over_the_request_limit_answers_json_413(writer):
    body = b"\x00" * (50 * 1024 * 1024)  # raw bytes: the test client spools a file part to disk
    multipart = "multipart/form-data; boundary=x"
    response = writer.post("/posts/images", data=body, content_type=multipart,
                           headers={"Accept": "application/json"})
    assert response.status_code == 413 and response.mimetype == "application/json"
    assert "超过大小限制" in response.get_json()["error"]
    page = writer.post("/posts/images", data=body, content_type=multipart)
    assert page.status_code == 413 and page.mimetype == "text/html"
