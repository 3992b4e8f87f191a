"""`flask salons …`: create a salon from the command line."""
from datetime import datetime

import click
from flask.cli import AppGroup

from ..extensions import db
from .services import SalonError, create_salon

salons_cli = AppGroup("salons", help="沙龙管理。")


def parse_starts_at(value: str | None) -> datetime | None:
    """`2026-11-20 14:30` (or with a T) to a datetime; a clear error otherwise."""
    if not value:
        return None
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"):
        try:
            return datetime.strptime(value.strip(), pattern)
        except ValueError:
            continue
    raise click.ClickException(f"时间格式不正确：“{value}”。请按 “2026-11-20 14:30” 填写。")


def require(value: str | None, option: str, label: str) -> str:
    """A missing option is one Chinese line (click's own usage error is English)."""
    if value is None:
        raise click.ClickException(
            f"缺少 {option}（{label}），例如：flask salons create --month 2026-11 --topic 主题")
    return value


@salons_cli.command("create")
@click.option("--month", help="月份 YYYY-MM（每月一期，必填）")
@click.option("--topic", help="主题（必填）")
@click.option("--description", default="", help="说明与征稿启事（Markdown）")
@click.option("--starts-at", default=None, help="时间，如 “2026-11-20 14:30”")
@click.option("--place", default="", help="地点")
def create_command(month, topic, description, starts_at, place):
    """Create a salon with the next issue number."""
    month, topic = require(month, "--month", "月份"), require(topic, "--topic", "主题")
    try:
        salon = create_salon(month, topic, description, parse_starts_at(starts_at), place)
        db.session.commit()
    except SalonError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"已创建{salon.label}：{salon.topic}（{salon.status_label}）。")
