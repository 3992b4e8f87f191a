"""The demo bulletins as words with positions, to compare two versions of the code.

    .venv/bin/python benchmarks/bulletin_snapshot.py --out new.json
    .venv/bin/python benchmarks/bulletin_snapshot.py --compare old.json new.json

Loads the demo data (`flask demo`) into a temporary instance, builds every demo salon's
bulletin in parts (the default) and as one document, and records each page's words with
their boxes as poppler's `pdftotext -bbox` reads them. `--compare` reports the first
differences between two such files (each mode against the same mode, exactly, and in each
file the parts against the one document, by the rule of `placement_differences`). A
refactoring of the renderer must leave them equal. `--compare FILE FILE` checks one file.
"""
import argparse
import json
import re
import subprocess
import sys
import tempfile
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                  r"(.*?)</word>")


def words(pdf: bytes) -> list[list]:
    """Per page: [text, xMin, yMin, xMax, yMax] of every word, in reading order."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        html = subprocess.run(["pdftotext", "-bbox", file.name, "-"], capture_output=True,
                              text=True, check=True).stdout
    pages = []
    for page in html.split("<page ")[1:]:
        pages.append([[unescape(text), *(round(float(v), 2) for v in box)]
                      for *box, text in WORD.findall(page)])
    return pages


def snapshot(folder: Path) -> dict:
    from salon import create_app
    from salon.bulletin.services import build
    from salon.extensions import db
    from salon.salons.models import Salon

    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "snapshot",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'salon.db'}",
                      "STORAGE_DIR": str(folder / "files"),
                      "SEARCH_INDEX_DIR": str(folder / "index")})
    out = {}
    with app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        for salon in db.session.scalars(db.select(Salon).order_by(Salon.month)):
            try:
                parts = build(salon, workers=2)
            except Exception as error:  # a salon without posts has no bulletin
                out[salon.month] = str(error)
                continue
            whole = build(salon, workers=0, in_subprocess=True)
            out[salon.month] = {"parts": words(parts.pdf), "whole": words(whole.pdf)}
    return out


def first_differences(a: list, b: list, limit: int = 5) -> list[str]:
    found = []
    if len(a) != len(b):
        found.append(f"页数 {len(a)} ≠ {len(b)}")
    for number, (left, right) in enumerate(zip(a, b, strict=False), start=1):
        for i, (x, y) in enumerate(zip(left, right, strict=False)):
            if x != y:
                found.append(f"第 {number} 页第 {i + 1} 个词：{x} ≠ {y}")
                break
        if len(left) != len(right):
            found.append(f"第 {number} 页词数 {len(left)} ≠ {len(right)}")
        if len(found) >= limit:
            break
    return found


# How far the parts render may stand from the one-document reference (PDF points).
RIGHT_TOLERANCE = 0.05
BOTTOM_TOLERANCE = 0.75


def placed(page: list) -> list[tuple[str, float, float]]:
    """(text, right edge, bottom) of each word, leader dots taken off: in parts they stop
    where the stamped page number begins, in one document they run up to it."""
    return [(text.strip("."), right, bottom) for text, _x, _y, right, bottom in page
            if text.strip(".")]


def placement_differences(parts: list, whole: list, limit: int = 5) -> list[str]:
    """Where the parts render departs from the one-document reference: page by page the
    same words, right edges within RIGHT_TOLERANCE, bottoms within BOTTOM_TOLERANCE (the
    page numbers, stamped at a fixed baseline, sit 0.72 pt higher than the margin box
    centres them in one document)."""
    found = [f"页数 {len(parts)} ≠ {len(whole)}"] if len(parts) != len(whole) else []
    for number, (ours, reference) in enumerate(zip(parts, whole, strict=False), start=1):
        ours, reference = placed(ours), placed(reference)
        if [t for t, *_ in ours] != [t for t, *_ in reference]:
            found.append(f"第 {number} 页的词不同")
            continue
        for (text, right, bottom), (_t, right_ref, bottom_ref) in zip(ours, reference, strict=True):
            if abs(right - right_ref) > RIGHT_TOLERANCE \
                    or abs(bottom - bottom_ref) > BOTTOM_TOLERANCE:
                found.append(f"第 {number} 页“{text}”：右边 {right} ≠ {right_ref} 或底边 "
                             f"{bottom} ≠ {bottom_ref}")
                break
        if len(found) >= limit:
            break
    return found


def compare(old: dict, new: dict) -> int:
    problems = 0
    for month in sorted(set(old) | set(new)):
        a, b = old.get(month, {}), new.get(month, {})
        if not (isinstance(a, dict) and isinstance(b, dict)):
            print(f"{month}：{'相同' if a == b else f'不同：{a} / {b}'}")
            problems += a != b
            continue
        for mode in ("parts", "whole"):
            diff = first_differences(a[mode], b[mode])
            print(f"{month} {mode}：{len(a[mode])} 页，"
                  f"{sum(len(p) for p in a[mode])} 个词，旧新{'相同' if not diff else '不同'}")
            problems += bool(diff)
            for line in diff:
                print("   ", line)
        for name, data in (("旧", old), ("新", new)):
            if isinstance(data.get(month), dict):
                diff = placement_differences(data[month]["parts"], data[month]["whole"])
                print(f"{month} {name}：分部与整本{'一致' if not diff else '不一致'}")
                problems += bool(diff)
                for line in diff:
                    print("   ", line)
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out")
    parser.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"))
    args = parser.parse_args()
    if args.compare:
        old, new = (json.loads(Path(p).read_text()) for p in args.compare)
        sys.exit(1 if compare(old, new) else 0)
    with tempfile.TemporaryDirectory() as folder:
        data = snapshot(Path(folder))
    Path(args.out).write_text(json.dumps(data, ensure_ascii=False))
    print(f"{len(data)} 期 → {args.out}")


if __name__ == "__main__":
    main()
