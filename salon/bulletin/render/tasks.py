"""The render workers' entry points.

Naming a function to a worker pickles its module path; these live apart from pdf.py so that
the process handing out the work does not import WeasyPrint (the workers import it, once,
in the fork server: preload.py). This is the one import of pdf.py inside functions.
"""
from .layout import RenderJob, RenderResult


def render_part(job: RenderJob) -> tuple[bytes, int, dict[str, int], dict[str, list]]:
    """Lay out one part in a render worker."""
    from . import pdf

    return pdf.render_part(job)


def render_whole(job: RenderJob) -> RenderResult:
    """Lay out the whole bulletin as one document in a render worker."""
    from . import pdf

    return pdf.render(job)
