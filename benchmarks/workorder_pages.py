"""CPU ms and SQL statements per request of the pages the 督办 work order touches, in-process.

    .venv/bin/python benchmarks/workorder_pages.py CHECKOUT [POSTS] [REPEAT]

CHECKOUT is a checkout of the project (e.g. an older commit taken out with
`git worktree add --detach`): its code is measured with page_profile's site (POSTS posts, a
quarter of them problems, requested by a signed-in officer), so two versions compare with the
same virtual environment. Process CPU time, not requests per second: steadier when other
jobs share the machine.
"""
import os
import sys
import tempfile
from pathlib import Path


def main() -> int:
    root = Path(sys.argv[1]).resolve()
    posts = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 150
    sys.path.insert(0, str(root))
    os.chdir(root)
    from benchmarks.page_profile import build_site, measure, signed_in_client

    with tempfile.TemporaryDirectory() as folder:
        app, last = build_site(Path(folder), posts)
        with app.app_context():
            from salon.extensions import db
            from salon.problems.models import Problem

            problem_post = db.session.scalar(
                db.select(Problem.post_id).order_by(Problem.id.desc()).limit(1))
        client = signed_in_client(app)
        print(f"代码：{root}（{posts} 篇，每页 {repeat} 次）")
        for path in ("/posts/", f"/posts/{problem_post}", "/problems/", "/problems/todo", "/"):
            ms, sql = measure(app, client, path, repeat)
            print(f"{path:22} {ms:7.1f} CPU ms/请求  {sql:3d} 条 SQL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
