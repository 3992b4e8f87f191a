"""How full the bulletin's pages are: pages per 10,000 characters, and each page's fill.

    .venv/bin/python benchmarks/bulletin_pages.py [--posts 60] [--paragraphs 3] [--pages]

(Before/after: `git worktree add --detach /tmp/old <commit>`, copy this file there and run
it with this checkout's .venv/bin/python from /tmp/old.)

Loads the demo data (`flask demo`) into a temporary instance and builds every demo salon's
bulletin, then a generated issue of `--posts` posts (benchmarks/bulletin_bench.py's data);
prints pages, characters and pages per 10,000 characters for each, and the pages other than
a section's last or the issue's last that are less than 60 % full. `--pages` prints every
page's fill. Run it from two checkouts to compare before and after.

A page's fill is the filled height of its body (between the page margins, from poppler's
word boxes, `pdftotext -bbox`): from the top margin to the lowest word, as a share of the
body's height. A section's last page is the page before one that opens with a section title
(a level-1 bookmark pointing at that page).
"""
import argparse
import re
import sys
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bulletin_snapshot import words  # noqa: E402

MM = 72 / 25.4
PAGE_HEIGHT = 297 * MM
BODY_TOP, BODY_BOTTOM = 24 * MM, PAGE_HEIGHT - 22 * MM  # bulletin-print.css @page margins
MIN_FILL = 0.6


def fills(pdf: bytes) -> list[float]:
    """Each page's filled share of the body height (0 for a page with no text)."""
    result = []
    for page in words(pdf):
        body = [w for w in page if w[2] >= BODY_TOP - 1 and w[4] <= BODY_BOTTOM + 1]
        lowest = max((w[4] for w in body), default=BODY_TOP)
        result.append(round((lowest - BODY_TOP) / (BODY_BOTTOM - BODY_TOP), 3))
    return result


def section_starts(pdf: bytes) -> set[int]:
    """0-based pages that open with a section title (a level-1 bookmark to that page whose
    title is the page's first words)."""
    from pypdf import PdfReader

    reader = PdfReader(BytesIO(pdf))
    pages = words(pdf)
    starts = set()
    for item in reader.outline:
        if isinstance(item, list):
            continue
        index = reader.get_destination_page_number(item)
        body = sorted((w for w in pages[index] if w[2] >= BODY_TOP - 1),
                      key=lambda w: (w[2], w[1]))
        first_line = "".join(w[0] for w in body if abs(w[2] - body[0][2]) < 3) if body else ""
        if first_line == item.title:
            starts.add(index)
    return starts


def short_pages(pdf: bytes, least: float = MIN_FILL) -> list[tuple[int, float]]:
    """(1-based page, fill) of every page under `least` that is neither a section's last
    nor the issue's last."""
    page_fills = fills(pdf)
    starts = section_starts(pdf)
    return [(i + 1, fill) for i, fill in enumerate(page_fills[:-1])
            if fill < least and i + 1 not in starts]


def characters(pdf: bytes) -> int:
    """Characters of text printed (white space aside)."""
    return sum(len(re.sub(r"\s+", "", w[0])) for page in words(pdf) for w in page)


def report(name: str, pdf: bytes, pages: int, seconds: float, every_page: bool) -> None:
    chars = characters(pdf)
    short = short_pages(pdf)
    print(f"{name}: {pages} 页，{chars} 字，每万字 {pages * 10000 / chars:.2f} 页，"
          f"排版 {seconds:.1f} 秒（分部，2 个排版进程，无缓存）；"
          f"未满 60% 的页（各节末页与末页除外）：{short or '无'}")
    if every_page:
        print("  " + "  ".join(f"{i}:{f:.0%}" for i, f in enumerate(fills(pdf), start=1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=60)
    parser.add_argument("--paragraphs", type=int, default=3)
    parser.add_argument("--pages", action="store_true", help="print every page's fill")
    args = parser.parse_args()

    from benchmarks.bulletin_bench import make_data
    from salon import create_app
    from salon.bulletin.services import build
    from salon.extensions import db
    from salon.salons.models import Salon

    with tempfile.TemporaryDirectory() as tmp:
        for label, load in (("演示", "demo"), (f"生成 {args.posts} 篇", "generated")):
            folder = Path(tmp) / load
            app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "pages",
                              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'salon.db'}",
                              "STORAGE_DIR": str(folder / "files"),
                              "SEARCH_INDEX_DIR": str(folder / "index")})
            with app.app_context():
                db.create_all()
                if load == "demo":
                    result = app.test_cli_runner().invoke(args=["demo"])
                    assert result.exit_code == 0, result.output
                else:
                    make_data(args.posts, args.paragraphs)
                for salon in db.session.scalars(db.select(Salon).order_by(Salon.month)):
                    if salon.status not in ("held", "published"):
                        continue
                    built = build(salon, workers=2)
                    report(f"{label} {salon.label}", built.pdf, built.pages, built.seconds,
                           args.pages)
                db.session.remove()
                db.engine.dispose()


if __name__ == "__main__":
    main()
