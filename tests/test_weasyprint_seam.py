"""The WeasyPrint seam: an upgrade that breaks one of its private reads or patches fails here."""
import subprocess
import tempfile
from pathlib import Path

import pytest
import weasyprint

from salon.bulletin.render import pdf, weasyprint_seam
from salon.bulletin.render.layout import ORIGIN, RenderJob

PAGE = "@page { size: 200pt 300pt; margin: 20pt } body { margin: 0 }"


def laid_out(html: str):
    return weasyprint.HTML(string=html, base_url=ORIGIN + "/",
                           url_fetcher=pdf.BulletinFetcher(".", ".", {})).render(
        font_config=pdf.shared_fonts())


def pixels(data: bytes) -> bytes:
    """The first page drawn by poppler, as grey pixels."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.pdf"
        path.write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "150", "-gray", "-singlefile", str(path),
                        str(path.with_suffix(""))], check=True)
        return path.with_suffix(".pgm").read_bytes()


def test_weasyprint_is_a_version_the_seam_was_checked_on():
    """On an unchecked major version the bulletin is laid out as one document: review the
    internals used in render/weasyprint_seam.py, then add the version to CHECKED."""
    assert weasyprint.__version__.split(".")[0] in weasyprint_seam.CHECKED
    assert weasyprint_seam.SUPPORTED


def test_toc_number_slots_read_where_each_entry_ends():
    html = (f"<style>{PAGE} a {{ display: block; margin-right: 10pt; font-size: 12pt }} "
            ".b {{ font-weight: 700 }} .next {{ break-before: page }}</style>"
            '<a href="bulletin-toc:one">第一篇</a><a class="b" href="bulletin-toc:two">第二篇</a>'
            '<a class="next" href="bulletin-toc:three">第三篇的标题很长很长很长很长很长很长很长'
            "很长很长很长很长很长很长</a><a href='#elsewhere'>不是目录条目</a>")
    slots = weasyprint_seam.toc_number_slots(laid_out(html))
    assert set(slots) == {"one", "two", "three"}
    (p1, right1, base1, size1, bold1), (p2, right2, base2, _s2, bold2) = slots["one"], slots["two"]
    assert (p1, p2, slots["three"][0]) == (0, 0, 1)
    assert right1 == right2 == pytest.approx(200 - 20 - 10)
    assert size1 == pytest.approx(12) and (bold1, bold2) == (False, True)
    assert 300 - 20 > base1 > base2 > 20          # the second entry's baseline is lower
    assert slots["three"][2] < 300 - 20 - 2 * 12  # a wrapped entry: its last line


def test_leaders_as_one_run_draw_the_same_glyphs_in_the_same_places():
    html = (f"<style>{PAGE} p::after {{ content: leader('.') '12' }}</style>"
            "<p>社区民警</p><p>警务室建设经验</p>")
    joined = laid_out(html).write_pdf()
    weasyprint_seam.uninstall()
    try:
        separate = laid_out(html).write_pdf()
    finally:
        weasyprint_seam.install()
    assert joined != separate  # one text run against one per dot
    assert pixels(joined) == pixels(separate)


def test_parts_leave_the_bundled_fonts_to_the_join():
    job = RenderJob("<p>社区警务沙龙</p>", ".", ".", {})
    data, pages, _anchors, _slots = pdf.render_part(job)
    whole = pdf.render(job).pdf
    assert pages == 1 and len(data) < len(whole) / 2  # no font file in the part
