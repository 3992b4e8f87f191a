"""考核通报: what building its PDF costs, for the demo and with many more units.

    .venv/bin/python benchmarks/assessment_report_bench.py [--stations 40] [--posts 2]

A temporary SQLite instance loaded with the demo data (whose seeding already publishes the
previous quarter's 通报, so WeasyPrint and the fonts are loaded). The current quarter's 通报 is
built twice, then `--stations` 派出所 with `--posts`
警务室 each (three officers per unit, two quarters of every entered figure) are added and it
is built again: the content (scoring this and the previous quarters, the trend), the PDF
(one document through the bulletin's render seam), and its pages.
"""
import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from salon import create_app  # noqa: E402
from salon.accounts.models import Unit, User  # noqa: E402
from salon.accounts.services import create_user  # noqa: E402
from salon.extensions import db  # noqa: E402

PLACES = "东南西北中前后左右新"


def build(label: str, period: str) -> None:
    from salon.assessment import publication

    started = time.perf_counter()
    content, fingerprint = publication.frozen_content(period)
    middle = time.perf_counter()
    rendered = publication.build_pdf(content, fingerprint, "夏忠明", "2026年12月2日", 1)
    done = time.perf_counter()
    print(f"{label}: {len(content['ranking'])} units, content {middle - started:.2f} s, "
          f"PDF {done - middle:.2f} s ({rendered.pages} pages, {len(rendered.pdf) // 1024} KB), "
          f"total {done - started:.2f} s")


def add_units(stations: int, posts: int, periods: tuple[str, ...]) -> None:
    from salon.assessment.models import Figure, Indicator

    rng = random.Random(1)
    organizer = db.session.scalar(db.select(User).filter_by(username="zuzhi"))
    entered = list(db.session.scalars(db.select(Indicator).filter_by(source="entered")))
    for i in range(stations):
        station = Unit(name=f"第{i + 1}{PLACES[i % 10]}城派出所", kind="station",
                       population=rng.randint(8000, 40000),
                       complexity=round(rng.uniform(0.8, 1.6), 1))
        children = [Unit(name=f"{PLACES[(i + j) % 10]}关第{i + 1}社区警务室", kind="post",
                         parent=station, population=rng.randint(2000, 8000))
                    for j in range(posts)]
        db.session.add_all([station, *children])
        db.session.flush()
        for unit in (station, *children):
            for n in range(3):
                create_user(f"b{unit.id}_{n}", f"民警{unit.id}{n}", unit.name, "officer")
            for period in periods:
                for indicator in entered:
                    low, high = indicator.min_value or 0, min(indicator.max_value or 100, 100)
                    db.session.add(Figure(unit=unit, period=period, indicator=indicator,
                                          value=round(rng.uniform(low, high), 1),
                                          evidence="基准测试", entered_by=organizer))
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=40)
    parser.add_argument("--posts", type=int, default=2, help="警务室 per 派出所")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="assessment-bench-")
    app = create_app({"TESTING": True, "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
                      "STORAGE_DIR": f"{folder}/files",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db"})
    with app.app_context():
        from salon.assessment.services import current_period
        from salon.demo import load_demo, review, run_feature_seeds

        db.create_all()
        with review.paused():
            load_demo()
        run_feature_seeds()
        db.session.commit()
        period = current_period()
        build("demo", period.code)
        build("demo, again", period.code)
        add_units(args.stations, args.posts, (period.previous().code, period.code))
        build(f"demo + {args.stations * (1 + args.posts)} units", period.code)


if __name__ == "__main__":
    main()
