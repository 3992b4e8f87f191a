"""Search results as data, to compare two versions of the code: ids, order, scores, totals.

    .venv/bin/python benchmarks/search_snapshot.py --out new.json [--n 20000]
    diff <(python -m json.tool old.json) <(python -m json.tool new.json)

Builds the search benchmark's posts (same seed), with drafts, problem states, tags and dates,
rebuilds the index with the site's own `reindex()`, and records what `services.search`,
`related_posts` and `similar_problems` answer for a fixed set of queries, filters, sorts and
pages. A refactoring of the search code must leave the file byte for byte the same.
"""
import argparse
import json
import random
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.search_bench import QUERIES, TAGS, UNITS, generate, load, make_app  # noqa: E402

STATES = ("raised", "accepted", "assigned", "in_progress", "resolved", "confirmed", "declined")
DRAFT_AUTHOR = 3  # every 40th post is a draft of this user


def prepare(app, n: int) -> None:
    """The benchmark's posts, some of them drafts, every problem with a state."""
    from salon.extensions import db
    from salon.posts.models import Post
    from salon.problems.models import Problem

    load(app, generate(n, random.Random(20261125)))
    with app.app_context():
        conn = db.session.connection()
        conn.execute(db.update(Post).where(Post.id % 40 == 0)
                     .values(status="draft", author_id=DRAFT_AUTHOR))
        problems = db.session.scalars(db.select(Post.id).where(Post.kind == "problem")
                                      .order_by(Post.id)).all()
        conn.execute(db.insert(Problem), [{"post_id": pid, "state": STATES[i % len(STATES)]}
                                          for i, pid in enumerate(problems)])
        db.session.commit()


def variants() -> list[tuple[str, dict]]:
    """(query, search() keyword arguments) covering filters, sorts, pages and visibility."""
    from salon.search.services import Filters

    cases = [(q, {}) for q in QUERIES]
    cases += [(q, {"sort": "newest"}) for q in QUERIES[::5]]
    cases += [(q, {"page": 3}) for q in QUERIES[::4]]
    cases += [(q, {"user_id": DRAFT_AUTHOR}) for q in QUERIES[::6]]
    narrowed = [Filters(kind="problem"), Filters(unit=UNITS[0]), Filters(tags=TAGS[1]),
                Filters(salon="2024-03"), Filters(state="assigned"),
                Filters(date_from=date(2024, 2, 1), date_to=date(2024, 6, 30)),
                Filters(kind="experience", unit=UNITS[2], tags=TAGS[3])]
    cases += [(q, {"filters": f}) for q in QUERIES[::7] for f in narrowed]
    cases += [("", {"filters": f}) for f in narrowed]
    cases += [(q, {}) for q in ("民警 -监控", '"社区民警"', '"社区 民警"', "工作法 -社区",
                                "-民警", "社区民警 警务室 群众 走访", "ABC 123", "警")]
    return cases


def result_data(result) -> dict:
    return {
        "total": result.total, "approximate": result.approximate, "page": result.page,
        "hits": [[h.post.id, round(h.score, 5), h.title.text(), h.snippet.text()]
                 for h in result.hits],
        "counts": {name: sorted(counter.items()) for name, counter in result.counts.items()},
    }


def snapshot(app) -> dict:
    from salon.extensions import db
    from salon.posts.models import Post
    from salon.search import services

    out = {"search": [], "related": {}, "similar": []}
    with app.test_request_context():
        for q, kwargs in variants():
            kwargs = dict(kwargs)
            user_id = kwargs.pop("user_id", None)
            result = services.search(q, user_id, **kwargs)
            label = {k: str(v) for k, v in kwargs.items()}
            out["search"].append([q, user_id, label, result_data(result)])
        for pid in range(1, 200, 13):
            post = db.session.get(Post, pid)
            out["related"][pid] = [p.id for p in services.related_posts(post)]
        for title, body in (("辖区监控探头损坏", "小区监控长期损坏，群众反映治安隐患。"),
                            ("出租房屋登记难", "流动人口多，出租房屋信息采集不全。"),
                            ("电动车充电", "楼道私拉电线充电，存在消防隐患。")):
            out["similar"].append([p.id for p in services.similar_problems(title, body)])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--workdir", default="/tmp/search-snapshot")
    parser.add_argument("--out", required=True)
    parser.add_argument("--reuse", action="store_true",
                        help="query the database and index already in --workdir (a parallel "
                             "rebuild numbers documents differently each time, and estimated "
                             "totals and ties follow the numbering)")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    app = make_app(workdir)
    if not args.reuse:
        for stale in ("bench.db", "bench.db-wal", "bench.db-shm"):
            (workdir / stale).unlink(missing_ok=True)
        prepare(app, args.n)
        from salon.search import reindex

        with app.app_context():
            reindex(app)
    data = snapshot(app)
    Path(args.out).write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True))
    print(f"{len(data['search'])} 个查询，{sum(len(r[3]['hits']) for r in data['search'])} 条命中"
          f" → {args.out}")


if __name__ == "__main__":
    main()
