"""Search benchmark: build throughput, index size, latency and recall, next to SQLite FTS5-trigram.

    .venv/bin/python benchmarks/search_bench.py [--n 100000] [--workdir /tmp/search-bench]

Generates N posts of ~800 characters by recombining sentences of the seed articles
(`shared/seeds/*.txt`, one of them Traditional), loads them into SQLite, rebuilds the index
with the site's own `reindex()`, and times 50 queries through `services.search` (the code the
results page runs: 10 hits with snippets, total count and facet counts). It prints figures;
it asserts nothing.
"""
import argparse
import json
import os
import random
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEEDS = [ROOT.parent / "shared" / "seeds", Path("/work/shared/seeds"), ROOT / "tests" / "seeds"]
UNITS = ["城关派出所", "曹甸派出所", "氾水派出所", "安宜派出所", "射阳湖派出所", "治安大队",
         "小官庄派出所", "望直港派出所", "鲁垛派出所", "夏集派出所", "柳堡派出所", "广洋湖派出所"]
TAGS = ["监控", "巡防", "矛盾纠纷", "电信诈骗", "二代证", "群防群治", "流动人口", "警务室",
        "反诈宣传", "出租房屋", "消防隐患", "入户走访", "枫桥经验", "一标三实"]
QUERIES_2 = ["民警", "监控", "巡防", "社区", "警务", "群众", "治安", "纠纷", "走访", "案件",
             "辖区", "防范", "宣传", "隐患", "调解", "户籍"]
QUERIES_3 = ["警务室", "派出所", "二代证", "责任区", "公安局", "老百姓", "信息化", "工作法",
             "网格化", "流动人"]
QUERIES_4 = ["社区民警", "群防群治", "矛盾纠纷", "社区警务", "治安防控", "基础工作", "服务群众",
             "安全防范", "人口管理", "警民关系"]
QUERIES_MULTI = ["社区 民警", "监控 巡防", "矛盾纠纷 调解", "警务室 群众", "派出所 治安 防控",
                 "民警 走访 群众", "二代证 办理"]
QUERIES_TRAD = ["社區民警", "監控", "警務室", "巡邏", "糾紛", "調研報告", "群眾"]
QUERIES = QUERIES_2 + QUERIES_3 + QUERIES_4 + QUERIES_MULTI + QUERIES_TRAD


def seed_sentences() -> list[str]:
    from salon.textnorm import normalise

    folder = next(p for p in SEEDS if p.is_dir())
    text = "\n".join(normalise(p.read_text(encoding="utf-8", errors="ignore"))
                     for p in sorted(folder.glob("*.txt")))
    parts = re.split(r"(?<=[。！？!?；])|\n", text)
    han = re.compile(r"[\u4e00-\u9fff]{6}")
    return [s.strip() for s in parts if len(s.strip()) >= 12 and han.search(s)]


def generate(n: int, rng: random.Random) -> list[dict]:
    """N posts of ~800 characters recombined from seed sentences."""
    sentences = seed_sentences()
    start = datetime(2024, 1, 1)
    posts = []
    for i in range(1, n + 1):
        body, size = [], 0
        while size < 800:
            sentence = rng.choice(sentences)
            body.append(sentence)
            size += len(sentence)
        paragraphs = ["".join(body[j:j + 4]) for j in range(0, len(body), 4)]
        title = re.sub(r"[，,。！？；：“”\s]", "", rng.choice(sentences))[:rng.randint(10, 24)]
        posts.append({
            "id": i, "kind": "problem" if rng.random() < 0.3 else "experience",
            "title": title, "body": "\n\n".join(paragraphs),
            "unit": rng.randrange(len(UNITS)), "salon": rng.randrange(24),
            "tags": rng.sample(range(len(TAGS)), rng.randint(0, 3)),
            "created_at": start + timedelta(minutes=i * 7),
        })
    return posts


def load(app, posts: list[dict]) -> None:
    """Units, a user per unit, 24 salons and the posts, inserted in bulk."""
    from salon.accounts.models import Unit, User
    from salon.extensions import db
    from salon.markup import render
    from salon.posts.models import Post, Tag, post_tags
    from salon.salons.models import Salon

    with app.app_context():
        db.drop_all()
        db.create_all()
        conn = db.session.connection()
        conn.execute(db.insert(Unit), [{"id": i + 1, "name": u} for i, u in enumerate(UNITS)])
        conn.execute(db.insert(User), [{"id": i + 1, "username": f"u{i}", "name": f"民警{i}",
                                        "unit_id": i + 1, "role": "officer"}
                                       for i in range(len(UNITS))])
        conn.execute(db.insert(Salon), [{"id": m + 1, "number": m + 1,
                                         "month": f"{2024 + m // 12}-{m % 12 + 1:02d}",
                                         "topic": f"第{m + 1}期", "status": "held"}
                                        for m in range(24)])
        conn.execute(db.insert(Tag), [{"id": i + 1, "name": t} for i, t in enumerate(TAGS)])
        for chunk in range(0, len(posts), 5000):
            batch = posts[chunk:chunk + 5000]
            # The HTML and plain text a post stores when written: snippets are cut from it.
            shown = [render(p["body"]) for p in batch]
            conn.execute(db.insert(Post), [{
                "id": p["id"], "kind": p["kind"], "title": p["title"], "body": p["body"],
                "body_html": rendered.html, "body_text": rendered.text,
                "author_id": p["unit"] + 1, "unit_id": p["unit"] + 1, "salon_id": p["salon"] + 1,
                "status": "submitted", "created_at": p["created_at"],
                "updated_at": p["created_at"]} for p, rendered in zip(batch, shown, strict=True)])
            links = [{"post_id": p["id"], "tag_id": t + 1} for p in batch for t in p["tags"]]
            if links:
                conn.execute(post_tags.insert(), links)
        db.session.commit()


def cpu_seconds() -> float:
    """CPU time of this process and its finished children: fair on a shared, busy machine."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def ms(values: list[float]) -> str:
    p50, p95 = percentile(values, .5) * 1000, percentile(values, .95) * 1000
    return f"p50 {p50:6.0f} ms · p95 {p95:6.0f} ms"


def full_text(post: dict) -> str:
    return "\n".join([post["title"], " ".join(TAGS[t] for t in post["tags"]), post["body"]])


def segmentation_rate(posts: list[dict]) -> tuple[float, float]:
    """Posts/s of raw segmentation (rjieba search mode on folded text) and of bigram cutting."""
    from salon.search import analysis

    sample = [full_text(p) for p in posts[:5000]]
    analysis.segmenter()
    t = time.process_time()  # CPU time: wall time on a shared machine measures the neighbours
    for text in sample:
        analysis.segmenter().tokenize(analysis.fold(text), mode="search")
    seg = len(sample) / (time.process_time() - t)
    t = time.process_time()
    for text in sample:
        for _ in analysis.words(text):
            pass
        for _ in analysis.grams(text):
            pass
    chain = len(sample) / (time.process_time() - t)
    return seg, chain


def whoosh_queries(app, posts: list[dict]) -> dict:
    """Latency of a full results page and recall against a substring scan, per query."""
    from salon.search import analysis, services, sync
    from salon.search.engine import evaluate
    from salon.search.query import parse

    folded = {p["id"]: analysis.fold(full_text(p)).lower() for p in posts}
    figures = {"page": [], "warm": [], "recall": [], "precision": [], "by_kind": {},
               "shown": [], "count_error": [], "approximate": 0}
    with app.test_request_context():
        t = time.perf_counter()
        services.search("派出所", None)
        figures["first"] = time.perf_counter() - t
        for q in QUERIES:
            t, c = time.perf_counter(), time.process_time()
            result = services.search(q, None)
            elapsed = time.perf_counter() - t
            figures["page"].append(elapsed)
            figures.setdefault("cpu", []).append(time.process_time() - c)
            t = time.perf_counter()
            services.search(q, None)
            figures["warm"].append(time.perf_counter() - t)
            parsed = parse(q)
            view = sync.search_index().view()
            exact = evaluate.matches(view, parsed, exact=True).docs  # every candidate checked
            found = {int(view.facts["id"][d]) for d in exact.nonzero()[0]}
            expected = {pid for pid, text in folded.items()
                        if all(p in text for p in parsed.required)}
            figures["recall"].append(len(found & expected) / len(expected) if expected else 1.0)
            figures["precision"].append(len(found & expected) / len(found) if found else 1.0)
            figures["shown"].append(all(h.post.id in expected for h in result.hits))
            figures["count_error"].append(abs(result.total - len(expected)) / max(len(expected), 1))
            figures["approximate"] += result.approximate
            figures["by_kind"].setdefault(kind_of(q), []).append(elapsed)
    return figures


def kind_of(q: str) -> str:
    for name, group in (("2字", QUERIES_2), ("3字", QUERIES_3), ("4字", QUERIES_4),
                        ("多词", QUERIES_MULTI), ("繁体", QUERIES_TRAD)):
        if q in group:
            return name
    return "?"


def fts5(posts: list[dict], folder: Path) -> dict:
    """The same queries on SQLite FTS5 (trigram): count + top 10 by bm25 with snippets."""
    from salon.search import analysis
    from salon.search.query import parse

    path = folder / "fts5.db"
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE doc USING fts5(title, body, tokenize='trigram')")
    t = time.perf_counter()
    db.executemany("INSERT INTO doc(rowid, title, body) VALUES (?, ?, ?)",
                   ((p["id"], analysis.fold(p["title"]),
                     analysis.fold(" ".join(TAGS[t] for t in p["tags"]) + "\n" + p["body"]))
                    for p in posts))
    db.commit()
    build = time.perf_counter() - t
    size = path.stat().st_size
    times, cpu, by_kind = [], [], {}
    for q in QUERIES:
        pieces = parse(q).required  # folded by the same parser, so Traditional works too
        long_ = [p for p in pieces if len(p) >= 3]
        short = [p for p in pieces if len(p) < 3]
        where, args = [], []
        if long_:
            where.append("doc MATCH ?")
            args.append(" AND ".join('"' + p + '"' for p in long_))
        for p in short:  # trigram MATCH cannot find 2 characters: a LIKE scan instead
            where.append("(title LIKE ? OR body LIKE ?)")
            args += [f"%{p}%", f"%{p}%"]
        clause = " AND ".join(where)
        t, c = time.perf_counter(), time.process_time()
        db.execute(f"SELECT count(*) FROM doc WHERE {clause}", args).fetchone()
        order = "ORDER BY bm25(doc)" if long_ else "ORDER BY rowid DESC"
        db.execute(f"SELECT rowid, snippet(doc, 1, '<mark>', '</mark>', '…', 20) FROM doc "
                   f"WHERE {clause} {order} LIMIT 10", args).fetchall()
        elapsed = time.perf_counter() - t
        times.append(elapsed)
        cpu.append(time.process_time() - c)
        by_kind.setdefault(kind_of(q), []).append(elapsed)
    return {"page": times, "cpu": cpu, "build": build, "size": size, "by_kind": by_kind}


def freshness(app) -> float:
    """Seconds from the commit of a new post to its first appearance in search results."""
    from salon.accounts.models import User
    from salon.extensions import db
    from salon.posts.models import Post
    from salon.search import services

    with app.test_request_context():
        user = db.session.get(User, 1)
        post = Post(kind="experience", title="基准新稿件", body="独一无二的词语甲乙丙丁戊",
                    author=user, unit=user.unit, status="submitted")
        db.session.add(post)
        db.session.commit()
        t = time.perf_counter()
        while not services.search("甲乙丙丁戊", None).total:
            if time.perf_counter() - t > 30:
                return float("inf")
            time.sleep(0.05)
        return time.perf_counter() - t


def after_change(app) -> list[float]:
    """Latency of the same queries on the new index version a fresh post just made."""
    from salon.search import services

    times = []
    with app.test_request_context():
        for q in QUERIES:
            t = time.perf_counter()
            services.search(q, None)
            times.append(time.perf_counter() - t)
    return times


def worker_rss(workdir: Path) -> None:
    """Child mode: a web worker's memory with the index open after a round of queries."""
    app = make_app(workdir)
    from salon.search import services

    with app.test_request_context():
        for q in QUERIES:
            services.search(q, None)
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    kib = {name: int(status[name].split()[0]) for name in ("VmHWM", "RssAnon", "RssFile")}
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so it would report the
    # benchmark process (100,000 posts in memory) that started this one.
    print(json.dumps({"maxrss_mb": kib["VmHWM"] / 1024,
                      "anon_mb": kib["RssAnon"] / 1024, "file_mb": kib["RssFile"] / 1024}))


def make_app(workdir: Path):
    from salon import create_app

    return create_app({
        "INSTANCE_PATH": str(workdir), "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
        "SEARCH_INDEX_DIR": str(workdir / "index"),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="how many posts (default 100000)")
    parser.add_argument("--workdir", default="/tmp/search-bench")
    parser.add_argument("--procs", type=int, default=os.cpu_count())
    parser.add_argument("--worker-rss", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    workdir = Path(args.workdir)
    if args.worker_rss:
        worker_rss(workdir)
        return
    workdir.mkdir(parents=True, exist_ok=True)
    for stale in ("bench.db", "bench.db-wal", "bench.db-shm"):
        (workdir / stale).unlink(missing_ok=True)
    rng = random.Random(20261125)
    t = time.perf_counter()
    posts = generate(args.n, rng)
    app = make_app(workdir)
    load(app, posts)
    chars = sum(len(full_text(p)) for p in posts) / len(posts)
    print(f"生成并写入 {args.n} 篇稿件（平均 {chars:.0f} 字）：{time.perf_counter() - t:.1f} s")

    from salon.search import rebuild
    from salon.search.engine.folders import index_size

    seg, chain = segmentation_rate(posts)
    with app.app_context():
        cpu = cpu_seconds()
        t = time.perf_counter()
        rebuild.reindex(app, procs=args.procs)
        build = time.perf_counter() - t
        cpu = cpu_seconds() - cpu
    size = index_size(workdir / "index")
    print(f"全量重建（{args.procs} 进程）：墙钟 {build:.1f} s，{args.n / build:,.0f} 篇/秒；"
          f"CPU {cpu:.0f} s，即每核 {args.n / cpu:,.0f} 篇/CPU 秒"
          f"（两核空闲时约 {cpu / 2 / 60:.1f} 分钟）")
    print(f"对照（CPU 时间）：单核纯分词 {seg:,.0f} 篇/CPU 秒，"
          f"单核完整分析链（分词+二元组）{chain:,.0f} 篇/CPU 秒")
    print(f"机器负载（1 分钟平均）：{os.getloadavg()[0]:.1f}（共 {os.cpu_count()} 核）")
    print(f"索引大小：{size / 2**20:.0f} MB（正文约 {args.n * chars * 3 / 2**20:.0f} MB UTF-8）")

    figures = whoosh_queries(app, posts)
    print(f"新建搜索器后首次查询：{figures['first'] * 1000:.0f} ms")
    print(f"完整结果页（10 条+摘要+总数+分面计数），{len(QUERIES)} 个查询首次执行："
          f"{ms(figures['page'])}")
    print(f"    其中本进程 CPU 时间：{ms(figures['cpu'])}")
    for kind, values in figures["by_kind"].items():
        print(f"    {kind:4}：{ms(values)}")
    print(f"同一查询再次执行（按索引版本缓存）：{ms(figures['warm'])}")
    print(f"召回率（对照子串扫描）：最低 {min(figures['recall']):.1%}，"
          f"平均 {statistics.mean(figures['recall']):.1%}；"
          f"精确率平均 {statistics.mean(figures['precision']):.1%}；"
          f"结果页所列命中全部真实包含查询词：{all(figures['shown'])}")
    print(f"总数为估计值（约）的查询：{figures['approximate']} 个，"
          f"总数与子串扫描相差最多 {max(figures['count_error']):.1%}")
    with app.app_context():
        print(f"新稿件提交后可检索：{freshness(app):.2f} s")
    print(f"新稿件提交后（索引新版本，未变的段沿用已读的倒排）同样 50 个查询："
          f"{ms(after_change(app))}")
    rss = subprocess.run([sys.executable, __file__, "--worker-rss", "--workdir", str(workdir)],
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    memory = json.loads(rss)
    print(f"Web 进程打开索引并跑完全部查询后：内存峰值 {memory['maxrss_mb']:.0f} MB，"
          f"其中私有内存 {memory['anon_mb']:.0f} MB，映射的索引文件页 {memory['file_mb']:.0f} MB"
          f"（页缓存，各进程共享）")

    fts = fts5(posts, workdir)
    print(f"SQLite FTS5-trigram：建表 {fts['build']:.1f} s，{fts['size'] / 2**20:.0f} MB；"
          f"每页（总数+前10条+摘要，无分面）{ms(fts['page'])}")
    print(f"    其中 CPU 时间：{ms(fts['cpu'])}")
    for kind, values in fts["by_kind"].items():
        print(f"    {kind:4}：{ms(values)}")


if __name__ == "__main__":
    main()
