"""`flask posts import FILE.jsonl`: bulk import, all or nothing; a second run adds nothing."""
import sys

import click
from flask.cli import AppGroup

from ..extensions import db
from .importer import (
    ImportLineError,
    already_imported,
    read_records,
    render_bodies,
    write_records,
)

posts_cli = AppGroup("posts", help="稿件管理。")
PROGRESS_FROM = 50  # lines; a bar for a handful of posts is noise


@posts_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path):
    """Import posts from a JSON Lines file; a bad line rejects the whole file."""
    with open(path, "rb") as file:
        lines = file.read().splitlines()
    try:
        records = read_records(lines)
        if not records:
            raise click.ClickException("文件中没有稿件。")
        fresh, skipped = already_imported(records)
        render_bodies(fresh)  # only what is new: a second run renders nothing
        write_records(fresh, progress=_progress if len(fresh) >= PROGRESS_FROM else _silent)
        db.session.commit()
    except ImportLineError as error:
        db.session.rollback()
        click.echo(str(error), err=True)
        raise SystemExit(1) from None
    except Exception:
        db.session.rollback()
        raise
    if skipped:
        click.echo(f"已跳过 {skipped} 篇（此前已导入，内容相同）。")
    click.echo(f"已导入 {len(fresh)} 篇稿件。")


def _silent(items):
    return items


def _progress(items):
    """Yield the items while drawing a progress bar on standard error."""
    with click.progressbar(items, label="导入稿件", file=sys.stderr) as bar:
        yield from bar
