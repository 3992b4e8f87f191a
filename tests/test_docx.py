"""Word import: a real .docx (python-docx) becomes a Markdown draft with its images."""
import zipfile
from io import BytesIO
from pathlib import Path

import docx
import pytest
from docx.shared import Cm

from salon.extensions import db
from salon.posts.htmlmd import html_to_markdown
from salon.posts.models import Post, Upload
from salon.storage import storage

from .conftest import csrf_token
from .post_factories import make_salon, png_bytes


def build_docx(with_image: bool = True) -> bytes:
    document = docx.Document()
    document.add_heading("城关派出所“一村一警”工作经验", level=1)
    document.add_paragraph("今年以来，我所在辖区推行“一村一警”。")
    paragraph = document.add_paragraph("主要做法有")
    paragraph.add_run("三条").bold = True
    paragraph.add_run("：")
    document.add_heading("一、主要做法", level=2)
    for item in ("警务室进村", "民警包片", "每周走访"):
        document.add_paragraph(item, style="List Bullet")
    for item in ("第一步", "第二步"):
        document.add_paragraph(item, style="List Number")
    table = document.add_table(rows=3, cols=2)
    for row, values in zip(table.rows, (("指标", "数量"), ("走访户数", "1200"), ("化解纠纷", "36")),
                           strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    if with_image:
        document.add_picture(BytesIO(png_bytes(size=(120, 80))), width=Cm(4))
    document.add_paragraph("以上经验供各所参考。")
    out = BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def writer(client, auth):
    make_salon()
    auth.login()
    return client


def import_file(client, data: bytes, name: str = "经验.docx", kind: str = "experience"):
    return client.post("/posts/import", content_type="multipart/form-data", data={
        "file": (BytesIO(data), name), "kind": kind,
        "csrf_token": csrf_token(client, "/posts/import")})


def test_docx_becomes_a_markdown_draft_with_its_image(writer):
    response = import_file(writer, build_docx())
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    post = db.session.scalar(db.select(Post))
    assert post.status == "draft" and post.title == "城关派出所“一村一警”工作经验"
    body = post.body
    assert "## 一、主要做法" in body
    assert "主要做法有**三条**：" in body
    assert "- 警务室进村\n- 民警包片\n- 每周走访" in body
    assert "1. 第一步\n2. 第二步" in body
    assert "| 指标 | 数量 |\n|---|---|\n| 走访户数 | 1200 |" in body
    upload = db.session.scalar(db.select(Upload))
    assert f"](/uploads/{upload.key})" in body and upload.content_type == "image/png"
    assert body.rstrip().endswith("以上经验供各所参考。")
    # The draft renders: heading, list, table and image through the sanitiser.
    html = writer.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "<h2>一、主要做法</h2>" in html and "<li>民警包片</li>" in html
    assert "<td>1200</td>" in html and f'src="/uploads/{upload.key}"' in html
    assert writer.get(f"/uploads/{upload.key}").status_code == 200


def test_import_as_problem_draft(writer):
    import_file(writer, build_docx(with_image=False), kind="problem")
    assert db.session.scalar(db.select(Post)).kind == "problem"


def zip_bytes(files: dict) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize("data, message", [
    (b"plain text, not a zip", "不是有效的 Word 文档"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "另存为 .docx"),  # old .doc
    (zip_bytes({"hello.txt": "hi"}), "缺少正文"),
    (zip_bytes({"word/document.xml": "<not-xml"}), "无法读取"),
    (b"", "请选择"),
])
def test_bad_files_are_refused_and_nothing_is_written(writer, data, message):
    response = import_file(writer, data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 0


def test_size_limit(app, writer):
    app.config["DOCX_MAX_BYTES"] = 1000
    response = import_file(writer, build_docx())
    assert response.status_code == 400 and "文件过大" in response.get_data(as_text=True)


def test_admin_may_not_import(client, auth, writer):
    auth.logout()
    auth.login("admin")
    assert import_file(client, build_docx()).status_code == 403


@pytest.mark.parametrize("html, markdown", [
    ("<p>a *b* [c]</p>", "a \\*b\\* \\[c\\]"),
    ("<p>1. not a list</p>", "1\\. not a list"),
    ('<p><a href="http://x.example/">link</a></p>', "[link](http://x.example/)"),
    ('<p><img src="http://evil.example/x.png" alt="x"></p>', ""),
    ("<ul><li>a<ul><li>b</li></ul></li></ul>", "- a\n    - b"),
    ("<table><tr><td><p>x|y</p></td></tr></table>", "| x\\|y |\n|---|"),
    ("<p><s>old</s> new<br>line</p>", "<del>old</del> new  \nline"),
])
def test_html_to_markdown_pieces(html, markdown):
    assert html_to_markdown(html).strip() == markdown


def test_a_refused_import_leaves_no_image_file_behind(writer):
    """The image is stored while the document converts; the draft is then refused (its body
    is too long): the rolled-back import takes the image file with it."""
    from salon.posts.services import BODY_MAX

    document = docx.Document()
    document.add_heading("超长的经验材料", level=1)
    document.add_picture(BytesIO(png_bytes(size=(120, 80))), width=Cm(4))
    for _ in range(BODY_MAX // 1000 + 1):
        document.add_paragraph("社区警务" * 250)
    out = BytesIO()
    document.save(out)
    response = import_file(writer, out.getvalue())
    assert response.status_code == 400
    assert f"正文最多 {BODY_MAX} 字" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Upload)) is None
    assert storage().keys("uploads/") == []


FIXTURES = Path(__file__).parent / "data" / "docx"


def test_libreoffice_file_title_is_plain_text_and_every_loss_is_named(writer):
    response = import_file(writer, (FIXTURES / "libreoffice.docx").read_bytes())
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    post = db.session.scalar(db.select(Post))
    # No heading: the first paragraph with text, its marks gone (not the image before it).
    assert post.title == "Ouch[1]（重要）旧说法"
    assert post.body.startswith("![图片](/uploads/") and "Apple" in post.body
    page = writer.get(response.headers["Location"]).get_data(as_text=True)
    assert "链接到文档外部的文件（file:///C:/Users/police/Pictures/scene.jpg）" in page
    assert "文本框“只在文本框里的说明”中的文字" in page
    assert "1 条批注未导入" in page
    assert db.session.scalar(db.select(db.func.count(Upload.id))) == 1  # the embedded one


def test_wps_file_title_is_its_first_heading_never_the_image(writer):
    response = import_file(writer, (FIXTURES / "wps.docx").read_bytes())
    assert response.status_code == 302
    post = db.session.scalar(db.select(Post))
    assert post.title == "城关派出所“一村一警”经验"
    assert "城关派出所" not in post.body  # the heading became the title, not repeated
    assert post.body.startswith("![图片](/uploads/") and "## 一、主要做法" in post.body
    page = writer.get(response.headers["Location"]).get_data(as_text=True)
    assert "文本框“框内的补充说明”中的文字已并入正文" in page


def test_external_files_are_never_read(writer, monkeypatch):
    import mammoth

    seen = {}
    convert = mammoth.convert_to_html

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return convert(*args, **kwargs)

    monkeypatch.setattr(mammoth, "convert_to_html", spy)
    import_file(writer, (FIXTURES / "libreoffice.docx").read_bytes())
    assert seen["external_file_access"] is False


def test_many_short_paragraphs_are_refused_before_conversion(writer):
    """68 KB that unpack to 10 MB of short paragraphs kept a worker 30 s, then a 500."""
    paragraphs = "<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 300_000
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", f'<w:document xmlns:w="w"><w:body>{paragraphs}'
                         "</w:body></w:document>")
    data = out.getvalue()
    assert len(data) < 100_000
    response = import_file(writer, data)
    assert response.status_code == 400
    assert "正文过大" in response.get_data(as_text=True)
    small = zip_bytes({"word/document.xml": f'<w:document xmlns:w="w"><w:body>'
                       f'{"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 5000}</w:body></w:document>'})
    response = import_file(writer, small)
    assert response.status_code == 400 and "段落过多" in response.get_data(as_text=True)


def test_conversion_has_a_time_limit(app, writer, monkeypatch):
    from salon.posts import docx as docx_module

    convert = docx_module.mammoth.convert_to_html

    def endless_conversion(*args, **kwargs):
        """The real conversion (which stores the picture), then a loop that never ends and
        allocates nothing, so the limit fires inside it. (With a 1 ms limit inside mammoth the
        signal could land in a weakref callback, where Python ignores exceptions: cpu_limit
        covers that — test_cpulimit — but pytest's hook for ignored exceptions fails the test.)"""
        convert(*args, **kwargs)
        while True:
            pass

    monkeypatch.setattr(docx_module, "CPU_SECONDS", 2.0)
    monkeypatch.setattr(docx_module.mammoth, "convert_to_html", endless_conversion)
    response = import_file(writer, build_docx())
    assert response.status_code == 400
    assert "无法在限定时间内导入" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Upload)) is None
    assert storage().keys("uploads/") == []  # the picture stored on the way is gone again
