"""flask search reindex | query | check | catch-up."""
import json
import sys

import click
from flask import Blueprint, current_app
from sqlalchemy.orm import Session

from ..extensions import db
from . import rebuild, services, sync
from .documents import post_document, posts_query
from .engine.index import MERGE_BELOW
from .snippets import Marked

cli = Blueprint("search_cli", __name__, cli_group="search")


@cli.cli.command("reindex")
@click.option("--procs", type=int, default=None, help="并行进程数（默认：全部 CPU 核）")
def reindex_command(procs):
    """重建检索索引（在新目录中建好后替换旧索引）。"""
    app = current_app._get_current_object()
    with click.progressbar(length=1, label="重建索引", file=sys.stderr) as bar:
        def progress(done, total):
            bar.length = max(total, 1)
            bar.update(done - bar.pos)
        count = rebuild.reindex(app, procs=procs, progress=progress)
    click.echo(f"已重建索引：{count} 篇稿件。")


@cli.cli.command("catch-up")
def catch_up_command():
    """把变更日志中尚未写入索引的改动写入索引（索引缺失或词典已变时先重建）。"""
    rebuilt = rebuild.rebuild_if_needed()
    if rebuilt is not None:
        click.echo(f"已重建索引：{rebuilt} 篇稿件。")
    applied = sync.catch_up(timeout=30, merge_up_to=MERGE_BELOW)
    if applied is None:
        raise click.ClickException("索引正被其他进程写入，请稍后再试。")
    click.echo(f"已写入 {applied} 条变更。")


@cli.cli.command("query")
@click.argument("text")
@click.option("--limit", type=click.IntRange(1, 100), default=10, help="最多显示几条")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def query_command(text, limit, as_json):
    """像用户一样搜索（只含已提交的稿件）。"""
    result = services.search(text, None, per_page=limit)
    if as_json:
        click.echo(json.dumps([services.hit_json(h) for h in result.hits], ensure_ascii=False))
        return
    click.echo(f"共 {result.total} 篇")
    for hit in result.hits:
        click.echo(f"{hit.post.id}\t[{hit.post.kind_label}] {Marked.text(hit.title)}")
        click.echo(f"\t{hit.snippet.text()}")


@cli.cli.command("check")
def check_command():
    """比对索引与数据库；不一致时列出差异并以非零状态退出。"""
    problems = compare(current_app._get_current_object())
    for line in problems:
        click.echo(line)
    if problems:
        sys.exit(1)
    click.echo("索引与数据库一致。")


def compare(app) -> list[str]:
    """Differences between the database and the index, one line each."""
    expected = {}
    with Session(db.engine) as session:
        for post in session.scalars(posts_query().execution_options(yield_per=500)):
            expected[post.id] = post_document(post)["sig"]
    if sync.needs_rebuild(sync.search_index(app)):
        return [f"索引不存在或词典版本已变：需要重建（数据库中 {len(expected)} 篇）"]
    indexed = dict(sync.search_index(app).view().all_ids())
    both = sorted(expected.keys() & indexed.keys())
    lines = [f"缺失：稿件 {i} 不在索引中" for i in sorted(expected.keys() - indexed.keys())]
    extra = sorted(indexed.keys() - expected.keys())
    lines += [f"多余：索引中的稿件 {i} 已不在数据库中" for i in extra]
    lines += [f"过期：稿件 {i} 的索引内容与数据库不同" for i in both if expected[i] != indexed[i]]
    waiting = sync.pending(app)
    if lines and waiting:
        lines.append(f"（另有 {waiting} 条变更尚未写入索引，可运行 flask search catch-up）")
    return lines
