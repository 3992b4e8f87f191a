"""A separate app process that commits posts (for the multi-process and kill -9 tests).

    python -m tests.search_worker LABEL COUNT

The app comes from the environment (DATABASE_URL, SALON_INSTANCE_PATH, SALON_SEARCH_INDEX_DIR),
as a second web worker's would. Each committed post id is printed at once.
"""
import sys

from salon import create_app
from salon.extensions import db

from .search_helpers import make_post


def main(label: str, count: int) -> None:
    app = create_app()
    with app.app_context():
        for i in range(count):
            post = make_post(f"{label}第{i}篇", f"并发写入测试 {label}x{i} 巡防记录")
            print(post.id, flush=True)
        db.session.remove()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
