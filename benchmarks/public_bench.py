"""群众建议: the bounds of the public app and what its largest accepted inputs cost.

    .venv/bin/python benchmarks/public_bench.py [--rows 2000]

A temporary SQLite instance. Prints: a flood from one address and from many (how many are
taken before 429), wrong codes from one address, the cost of the largest suggestion the public
app accepts and of the largest body it refuses (413), a 访查登记表 of `--rows` rows of the
longest text (import, and the same sheet with one bad row: nothing written), and one poster.
"""
import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from salon import create_app  # noqa: E402
from salon.accounts.services import create_user  # noqa: E402
from salon.extensions import db, public_limiter  # noqa: E402
from salon.public import create_app as create_public_app  # noqa: E402
from salon.suggestions.models import Suggestion  # noqa: E402
from salon.suggestions.services import CONTACT_MAX, PLACE_MAX, TEXT_MAX  # noqa: E402


def timed(action, repeat: int = 1) -> tuple[float, object]:
    start = time.perf_counter()
    result = None
    for _ in range(repeat):
        result = action()
    return (time.perf_counter() - start) / repeat * 1000, result


def count() -> int:
    return db.session.scalar(db.select(db.func.count(Suggestion.id)))


def flood(site, tries: int) -> None:
    client = site.test_client()
    one = [client.post("/api/public/suggestions", json={"text": f"第{n}条"}).status_code
           for n in range(tries)]
    print(f"one address, {tries} submissions: {one.count(201)} taken, {one.count(429)} × 429")
    public_limiter.reset()
    many = [client.post("/api/public/suggestions", json={"text": f"第{n}条"},
                        environ_base={"REMOTE_ADDR": f"10.{n // 250}.{n % 250}.1"}).status_code
            for n in range(tries * 40)]
    print(f"{tries * 40} addresses, one each: {many.count(201)} taken, {many.count(429)} × 429 "
          f"(PUBLIC_LIMIT_GLOBAL={site.config['PUBLIC_LIMIT_GLOBAL']})")
    public_limiter.reset()
    refused = [client.post("/api/public/suggestions", json={"text": ""},
                           environ_base={"REMOTE_ADDR": "10.99.0.1"}).status_code
               for _ in range(tries + 10)]
    print(f"one address, {tries + 10} refused (empty) submissions: {refused.count(400)} × 400, "
          f"then {refused.count(429)} × 429 "
          f"(PUBLIC_ATTEMPT_LIMIT={site.config['PUBLIC_ATTEMPT_LIMIT']})")
    public_limiter.reset()
    codes = [client.get(f"/api/public/suggestions/{'Z' * 15}{n % 10}").status_code
             for n in range(tries)]
    print(f"one address, {tries} wrong codes: {codes.count(404)} × 404, then {codes.count(429)}"
          f" × 429 (PUBLIC_WRONG_CODE_LIMIT={site.config['PUBLIC_WRONG_CODE_LIMIT']})")
    public_limiter.reset()


def largest(site) -> None:
    client = site.test_client()
    body = {"text": "长" * TEXT_MAX, "place": "地" * PLACE_MAX, "contact": "1" * CONTACT_MAX}
    ms, response = timed(lambda: client.post("/api/public/suggestions", json=body), 5)
    print(f"largest accepted suggestion ({TEXT_MAX}+{PLACE_MAX}+{CONTACT_MAX} characters): "
          f"{response.status_code}, {ms:.1f} ms each")
    public_limiter.reset()
    limit = site.config["PUBLIC_MAX_CONTENT_LENGTH"]
    ms, response = timed(lambda: client.post("/api/public/suggestions",
                                             json={"text": "长" * limit}), 5)
    print(f"a body past {limit:,} bytes: {response.status_code}, {ms:.1f} ms each")
    public_limiter.reset()
    ms, response = timed(lambda: client.post("/api/public/suggestions",
                                             json={"text": "长" * (TEXT_MAX + 1)}), 5)
    print(f"text of {TEXT_MAX + 1} characters: {response.status_code}, {ms:.1f} ms each")
    public_limiter.reset()


def sheet(rows: int, bad_row: bool = False) -> bytes:
    from openpyxl import Workbook

    from salon.suggestions.importer import COLUMNS

    book = Workbook()
    book.active.append(list(COLUMNS))
    for n in range(rows):
        channel = "飞鸽" if bad_row and n == rows - 1 else "短信"
        book.active.append(["2026-11-20", channel, f"{n}" + "长" * (TEXT_MAX - 5), "人民路",
                            "城关派出所", "王先生 13800000000"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_sheet(rows: int) -> None:
    from salon.errors import InvalidInput
    from salon.suggestions.importer import import_workbook

    data = sheet(rows)
    before = count()
    ms, created = timed(lambda: import_workbook(data, None))
    db.session.commit()
    print(f"访查登记表 of {rows} rows × {TEXT_MAX} characters ({len(data) / 1024:.0f} KB): "
          f"{len(created)} imported in {ms / 1000:.2f} s")
    bad = sheet(rows, bad_row=True)

    def refused():
        try:
            import_workbook(bad, None)
        except InvalidInput as error:
            db.session.rollback()
            return error.message
        return None

    ms, message = timed(refused)
    print(f"the same with its last row bad: refused in {ms / 1000:.2f} s, "
          f"{count() - before - rows} written ({message[:40]}…)")


def poster(app) -> None:
    from salon.accounts.models import Unit
    from salon.storage import storage
    from salon.suggestions.poster import poster_pdf

    with app.test_request_context():
        unit = db.session.scalar(db.select(Unit).filter_by(name="城关派出所"))
        ms, pdf = timed(lambda: poster_pdf(unit))
        print(f"poster (A4 PDF, QR): laid out in {ms / 1000:.2f} s, {len(pdf) / 1024:.0f} KB")
        ms, _ = timed(lambda: poster_pdf(unit))
        print(f"the same poster again (from storage): {ms:.1f} ms; "
              f"{len(storage().keys('posters/'))} file kept")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="public-bench-")
    settings = {"TESTING": True, "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                "STORAGE_DIR": f"{folder}/files"}
    app = create_app(settings)
    site = create_public_app({**settings, "RATELIMIT_ENABLED": True})
    with app.app_context():
        db.create_all()
        create_user("desk", "督办", "治安大队", "organizer")
        create_user("minjing", "民警", "城关派出所", "officer")
        db.session.commit()
    with site.app_context():
        flood(site, 30)
        largest(site)
    with app.app_context():
        import_sheet(args.rows)
        poster(app)


if __name__ == "__main__":
    main()
