"""Each unit's A4 poster: 开门评警, a QR code that opens the public form with the unit chosen.

Laid out by the bulletin's renderer (its render process, its fetcher that loads only our own
files, the bundled fonts); the PDF is kept in storage under a hash of its HTML, so a poster
is laid out again only when its text, address or template changes.
"""
import hashlib
from concurrent.futures import ProcessPoolExecutor
from urllib.parse import urlencode

from flask import current_app, render_template

from ..accounts.models import Unit
from ..storage import storage


def form_url(unit: Unit) -> str:
    """The public form's address with this unit preselected."""
    base = current_app.config["PUBLIC_SITE_URL"].rstrip("/")
    return f"{base}/?{urlencode({'unit': unit.id})}"


def qr_svg(data: str) -> bytes:
    """The QR code as SVG (segno: pure Python, error correction M, 4-module quiet zone)."""
    import io

    import segno

    out = io.BytesIO()
    segno.make_qr(data, error="m").save(out, kind="svg", scale=10, border=4, xmldecl=False)
    return out.getvalue()


def poster_html(unit: Unit) -> str:
    from ..bulletin.render.layout import ASSETS_PREFIX

    return render_template("suggestions/poster.html", unit=unit, url=form_url(unit),
                           qr_src=ASSETS_PREFIX + "qr.svg",
                           hotline=current_app.config["SUGGESTIONS_HOTLINE"])


def poster_pdf(unit: Unit) -> bytes:
    """The poster's PDF, from storage when the same poster was laid out before."""
    html = poster_html(unit)
    qr = qr_svg(form_url(unit))
    digest = hashlib.sha256(html.encode() + qr).hexdigest()[:32]
    key = f"posters/unit-{unit.id}-{digest}.pdf"
    files = storage()
    if files.exists(key):
        return files.get(key)
    pdf = _render(html, {"qr.svg": qr})
    files.put(key, pdf, "application/pdf")
    return pdf


def _render(html: str, assets: dict[str, bytes]) -> bytes:
    """Lay out in a render process of its own (WeasyPrint stays out of the web process)."""
    from ..bulletin.render.layout import RenderJob
    from ..bulletin.render.tasks import render_whole
    from ..bulletin.render.workers import worker_context

    job = RenderJob(html, current_app.static_folder, current_app.config["STORAGE_DIR"], assets)
    with ProcessPoolExecutor(1, mp_context=worker_context()) as pool:
        return pool.submit(render_whole, job).result().pdf
