"""Notifications: what writing, deduplicating and reading messages costs as they pile up.

    .venv/bin/python benchmarks/notify_bench.py [--people 300] [--calls 200]

A temporary SQLite instance (or --database-url) with `--people` officers; `--calls` calls of
notify() to all of them (each with its own dedupe key), the same calls again (all
deduplicated), then the nav badge's COUNT and a page of the message centre for one person.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from salon import create_app  # noqa: E402
from salon.accounts.services import create_user  # noqa: E402
from salon.extensions import db  # noqa: E402
from salon.notifications.services import (  # noqa: E402
    mark_read,
    messages_of,
    notify,
    unread_count,
)


def timed(label: str, repeat: int, action) -> float:
    start = time.perf_counter()
    for number in range(repeat):
        action(number)
    db.session.commit()
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.2f} s in all, {seconds / repeat * 1000:.2f} ms each")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="notify-bench-")
    app = create_app({"TESTING": True, "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": args.database_url
                      or f"sqlite:///{folder}/bench.db"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        people = [create_user(f"u{n}", f"民警{n}", "城关派出所", "officer")
                  for n in range(args.people)]
        db.session.commit()
        total = args.people * args.calls
        print(f"{args.people} people, {args.calls} calls ({total:,} rows), "
              f"{db.engine.dialect.name}")
        timed(f"notify() to {args.people}", args.calls, lambda n: notify(
            people, "problem", f"消息{n}：问题已交办。", f"/posts/{n}", dedupe_key=f"k{n}"))
        timed("the same again (deduplicated)", args.calls, lambda n: notify(
            people, "problem", f"消息{n}", dedupe_key=f"k{n}"))
        one = people[7]
        timed("notify() to 1 (a step's hand-over)", 1000, lambda n: notify(
            [one], "problem", f"交办{n}", f"/posts/{n}"))
        mark_read(one, "all")
        notify([one], "problem", "一条未读")
        db.session.commit()
        timed("unread badge (COUNT)", 500, lambda _n: unread_count(one))
        timed("message centre, page 5", 100, lambda _n: list(messages_of(one, 5, 20).items))
        db.drop_all()


if __name__ == "__main__":
    main()
