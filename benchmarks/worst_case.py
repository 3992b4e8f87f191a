"""Pathological posts through every writing path, then the pages that show them, timed.

    .venv/bin/python benchmarks/worst_case.py [--size 50000] [--workdir /tmp/worst-case]

A temporary SQLite instance in production settings (no TESTING), 200 ordinary posts, an
officer signed in through the site and holding an API token. Each family of hostile input —
brackets, link openers, backticks, emphasis runs, nested lists and quotes, tables,
abbreviation definitions, HTML blocks, long lines without breaks, CJK without spaces — is
made at the largest size the site accepts (the body limit, 50,000 characters) and written
through every path: the form (POST /posts/new), the API (POST /api/posts), `flask posts
import` and a Word file (POST /posts/import, its lines as paragraphs). Then the post page,
the API's post, the list, the home page and a search are requested. Every request is timed
(wall clock and the process's CPU time, which a busy machine does not stretch); the script
prints one row per family, the slowest request, and the list page before and after.
"""
import argparse
import json
import re
import shutil
import sys
import time
from functools import partial
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "Passw0rd!worst-case"


def families(size: int) -> dict[str, str]:
    def fill(unit: str) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    def lines(make) -> str:
        out, n = [], 0
        while sum(len(line) + 1 for line in out) < size:
            out.append(make(n))
            n += 1
        return "\n".join(out)[:size]

    return {
        "方括号 [": fill("["),
        "链接开头 [a](": fill("[a]("),
        "图片开头 ![": fill("!["),
        "反引号 `": fill("`"),
        "反引号对 `a": fill("`a"),
        "强调 *a": fill("*a"),
        "强调对 *a* ": fill("*a* "),
        "下划线 _a": fill("_a"),
        "嵌套列表": lines(lambda n: "  " * n + "- x"),
        "嵌套引用 >": fill(">") + " x",
        "逐层引用": lines(lambda n: ">" * (n % 200 + 1) + " x"),
        "表格（多行）": "|a|b|\n|-|-|\n" + lines(lambda n: f"|{n}|y|"),
        "表格（多列）": "|" + fill("a|")[: size // 2 - 1] + "\n|" + fill("-|")[: size // 2 - 1],
        "缩写定义": lines(lambda n: f"*[A{n}]: x") + "\n\nA1 A2",
        "脚注定义": lines(lambda n: f"[^{n}]: x"),
        "定义列表": lines(lambda n: "a" if n % 2 == 0 else ": b"),
        "HTML 块 <div>": lines(lambda n: "<div>"),
        "HTML <http://": fill("<http://"),
        "长行无换行": fill("a"),
        "中文无空格": fill("社区民警走访"),
        "围栏 ```": lines(lambda n: "```"),
        "标题 #": lines(lambda n: "# a"),
        "实体 &#x41;": fill("&#x41;"),
        "正常长文": lines(lambda n: f"## 第{n}节" if n % 12 == 0 else
                          "社区民警走访辖区群众，**排查**矛盾纠纷，建立台账，跟踪回访。" * 3),
    }


class Timer:
    def __init__(self) -> None:
        self.rows: list[tuple[float, float, str, str, int]] = []

    def __call__(self, family: str, what: str, call):
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        status = result.status_code if hasattr(result, "status_code") else result.exit_code
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        self.rows.append((wall, cpu, family, what, status))
        return status, wall, cpu


def docx_bytes(title: str, text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for line in text.split("\n")[:5000]:
        document.add_paragraph(line)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def build(folder: Path):
    from salon import create_app
    from salon.accounts.models import ApiToken
    from salon.accounts.services import create_user
    from salon.extensions import db
    from salon.posts.services import PostInput, create_post
    from salon.salons.models import Salon
    from salon.search import reindex

    app = create_app({"INSTANCE_PATH": str(folder), "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'salon.db'}",
                      "SEARCH_INDEX_DIR": str(folder / "index"),
                      "STORAGE_DIR": str(folder / "files")})
    with app.app_context():
        db.create_all()
        officer = create_user("officer", "李警官", "城关派出所", password=PASSWORD)
        db.session.flush()
        salon = Salon(number=1, month="2026-11", topic="社区警务", status="open")
        db.session.add(salon)
        for n in range(200):
            create_post(officer, PostInput(kind="experience", title=f"普通稿件 {n}",
                                           body="社区民警走访辖区群众，**排查**矛盾纠纷。" * 8,
                                           salon=salon, tags=["走访"]))
        _, token = ApiToken.issue(officer)
        db.session.commit()
        reindex(app)
    return app, token


def csrf(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--workdir", default="/tmp/worst-case")
    options = parser.parse_args()
    work = Path(options.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    app, token = build(work / "instance")
    timer = Timer()
    client = app.test_client()
    api = app.test_client()  # a token client holds no session cookie
    from salon.extensions import db
    from salon.posts.models import Post

    client.post("/login", data={"username": "officer", "password": PASSWORD,
                                "csrf_token": csrf(client, "/login")})
    salon_id = 1
    for _ in range(5):
        timer("（基线）", "列表 /posts/", partial(client.get, "/posts/"))
    print(f"{'输入':<14}{'字数':>7}  {'表单':>11}{'API':>11}{'导入':>11}{'Word':>11}"
          f"{'稿件页':>9}{'列表':>9}  （应答 / CPU 毫秒）", flush=True)
    for name, text in families(options.size).items():
        cells = []
        form = {"csrf_token": csrf(client, "/posts/new"), "kind": "experience",
                "salon": salon_id, "title": f"表单 {name}", "body": text,
                "submit_post": "提交"}
        cells.append(timer(name, "表单 POST /posts/new",
                           partial(client.post, "/posts/new", data=form)))
        cells.append(timer(name, "API POST /api/posts", partial(
            api.post, "/api/posts", headers={"Authorization": f"Bearer {token}"},
            json={"kind": "experience", "title": f"API {name}", "body": text,
                  "salon": "2026-11"})))
        path = work / "one.jsonl"
        path.write_text(json.dumps({"kind": "experience", "title": f"导入 {name}",
                                    "body": text, "author": "李警官", "unit": "城关派出所",
                                    "salon": "2026-11"}, ensure_ascii=False) + "\n")
        cells.append(timer(name, "flask posts import", partial(
            app.test_cli_runner().invoke, args=["posts", "import", str(path)])))
        upload = {"file": (BytesIO(docx_bytes(f"Word {name}", text)), "x.docx"),
                  "kind": "experience", "csrf_token": csrf(client, "/posts/import")}
        cells.append(timer(name, "Word POST /posts/import", partial(
            client.post, "/posts/import", content_type="multipart/form-data", data=upload)))
        with app.app_context():  # only here: a request pushes its own (fresh `g`)
            shown = db.session.scalars(
                db.select(Post.id).where(Post.title.contains(name))).all()
        worst_page = 0.0
        for post_id in shown:
            for url in (f"/posts/{post_id}", f"/api/posts/{post_id}"):
                _, _, cpu = timer(name, f"GET {url}", partial(client.get, url))
                worst_page = max(worst_page, cpu)
        _, _, list_cpu = timer(name, "GET /posts/", partial(client.get, "/posts/"))
        timer(name, "GET /", partial(client.get, "/"))
        timer(name, "GET /search/", partial(client.get, "/search/?q=社区"))
        print(f"{name:<14}{len(text):>7}  " + "".join(
            f"{status:>5}/{cpu * 1000:>5.0f}" for status, _wall, cpu in cells)
            + f"{worst_page * 1000:>9.0f}{list_cpu * 1000:>9.0f}", flush=True)
    for _ in range(5):
        timer("（之后）", "列表 /posts/", partial(client.get, "/posts/"))
    median = sorted(row[1] for row in timer.rows[:5])[2]
    after_median = sorted(row[1] for row in timer.rows[-5:])[2]
    wall = max(timer.rows, key=lambda row: row[0])
    cpu = max(timer.rows, key=lambda row: row[1])
    print(f"\n列表页 /posts/ CPU 中位数：写入前 {median * 1000:.0f} ms，"
          f"之后 {after_median * 1000:.0f} ms")
    print(f"最慢的请求（CPU）：{cpu[2]} · {cpu[3]}：CPU {cpu[1] * 1000:.0f} ms，"
          f"墙钟 {cpu[0] * 1000:.0f} ms，应答 {cpu[4]}")
    print(f"最慢的请求（墙钟）：{wall[2]} · {wall[3]}：墙钟 {wall[0] * 1000:.0f} ms，"
          f"CPU {wall[1] * 1000:.0f} ms，应答 {wall[4]}（共 {len(timer.rows)} 个请求）")


if __name__ == "__main__":
    main()
