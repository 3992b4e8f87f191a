"""`flask suggestions import FILE.xlsx`: paper 访查登记表 in bulk, all or nothing."""
from pathlib import Path

import click
from flask.cli import AppGroup

from ..errors import DomainError
from ..extensions import db

suggestions_cli = AppGroup("suggestions", help="群众建议：导入访查登记表。")


@suggestions_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """导入访查登记表（.xlsx）：全部成功或全部不导入，错误标明行号。"""
    from .importer import import_workbook

    if not path.is_file():
        raise click.ClickException(f"找不到文件：{path}")
    try:
        created = import_workbook(path.read_bytes(), registered_by=None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"已导入 {len(created)} 条群众建议。")
