"""`flask bulletin build YYYY-MM --output FILE.pdf`."""
import gc
import re
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..errors import DomainError
from ..salons.services import salon_of_month
from .services import build


@click.group()
def bulletin():
    """专刊."""


@bulletin.command("build")
@click.argument("month")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, writable=True),
              help="PDF 输出文件")
@with_appcontext
def build_command(month: str, output: str) -> None:
    """Build that month's bulletin PDF (works in any salon state; nothing is published)."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise click.ClickException(f"月份格式应为 YYYY-MM：{month}")
    # A one-shot process: the app's objects live until exit, so the collector need not
    # scan them again and again during the build, nor once more on the way out.
    gc.freeze()
    try:
        salon = salon_of_month(month)
        with click.progressbar(length=100, label=f"编印{salon.label}专刊", file=sys.stderr,
                               show_percent=True) as bar:
            def progress(percent: int, message: str) -> None:
                bar.label = f"{message}"
                bar.update(percent - bar.pos)

            built = build(salon, progress, in_subprocess=True)
            bar.update(100 - bar.pos)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    Path(output).write_bytes(built.pdf)
    gc.freeze()
    click.echo(f"已生成 {output}：{built.pages} 页，{len(built.pdf) / 1024:.0f} KB，"
               f"排版用时 {built.seconds:.1f} 秒。")


@bulletin.command("trace")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def trace_command(file: str) -> None:
    """Say which download a copy of a bulletin came from: who, when, from which address."""
    from .distribution import TraceError, trace

    path = Path(file)
    if not path.is_file():
        raise click.ClickException(f"找不到文件：{file}")
    try:
        traced = trace(path.read_bytes())
    except TraceError as error:
        raise click.ClickException(error.message) from None
    found = traced.download
    user, revision = found.user, found.revision
    salon = revision.bulletin.salon
    number = f"警号 {user.police_no}，" if user.police_no else ""
    click.echo(f"副本编号：{found.copy_id}")
    click.echo(f"专刊：第{salon.number}期（{salon.month}，{salon.topic}）{revision.label}")
    click.echo(f"下载人：{user.name}（{number}{user.unit.name}，用户名 {user.username}）")
    click.echo(f"下载时间：{found.at:%Y-%m-%d %H:%M:%S}")
    click.echo(f"下载地址：{found.remote_addr or '未知'}")
    if traced.by_line:
        also = f"；此人同一分钟内下载了 {traced.same_minute} 份" if traced.same_minute > 1 else ""
        click.echo(f"注意：文件中的副本编号已被去除，按页面上的可见标记（姓名、警号、时间）匹配{also}。")
