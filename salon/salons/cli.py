"""`flask salons …`: create a salon, and propose topics, from the command line."""
import json
from datetime import date, datetime

import click
from flask.cli import AppGroup

from ..errors import DomainError
from ..extensions import db
from ..textnorm import clean_option
from . import rhythm, topics
from .services import create_salon

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


def parse_day(value: str | None, option: str) -> date | None:
    """`2026-11-15` to a date; a clear error otherwise."""
    if not value:
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise click.ClickException(
            f"{option} 日期格式不正确：“{value}”。请按 “2026-11-15” 填写。") from None


def require(value: str | None, option: str, label: str) -> str:
    """A missing option is one Chinese line (click's own usage error is English)."""
    if value is None:
        raise click.ClickException(
            f"缺少 {option}（{label}），例如：flask salons create --month 2026-11 --topic 主题")
    return value


@salons_cli.command("create")
@click.option("--month", help="月份 YYYY-MM（每月一期，必填）")
@click.option("--topic", help="主题（必填）", callback=clean_option)
@click.option("--description", default="", callback=clean_option,
              help="说明与征稿启事（空一行另起一段，行首“- ”成列表）")
@click.option("--starts-at", default=None, help="时间，如 “2026-11-20 14:30”")
@click.option("--place", default="", help="地点", callback=clean_option)
@click.option("--signup-deadline", default=None, help="报名截止日期，如 2026-11-18")
@click.option("--call-deadline", default=None, help="征稿截止日期，如 2026-11-15")
def create_command(month, topic, description, starts_at, place, signup_deadline, call_deadline):
    """Create a salon with the next issue number."""
    month, topic = require(month, "--month", "月份"), require(topic, "--topic", "主题")
    try:
        salon = create_salon(month, topic, description, parse_starts_at(starts_at), place,
                             parse_day(signup_deadline, "--signup-deadline"),
                             parse_day(call_deadline, "--call-deadline"))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"已创建{salon.label}：{salon.topic}（{salon.status_label}）。")


@salons_cli.command("suggest-topics")
@click.option("--months", default=str(topics.DEFAULT_MONTHS), show_default=True,
              help=f"看最近几个月的问题与经验（1–{topics.MAX_MONTHS}）")
@click.option("--limit", default="5", show_default=True, help="最多几条建议（1–20）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def suggest_topics_command(months, limit, as_json):
    """Topics proposed from the last months' problems and experiences, best first."""
    months = whole_number(months, "--months", 1, topics.MAX_MONTHS)
    limit = whole_number(limit, "--limit", 1, 20)
    found = topics.suggest_topics(months, limit)
    if as_json:
        click.echo(json.dumps([s.as_json() for s in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo(f"最近 {months} 个月没有足够的问题和经验可归纳选题（至少两篇相关稿件）。")
        return
    for rank, suggestion in enumerate(found, 1):
        click.echo(f"{rank}. {suggestion.topic}（{suggestion.score:.1f} 分）"
                   f" 关键词：{'、'.join(suggestion.terms)}")
        click.echo(f"   问题 {len(suggestion.problems)} 个，经验 {len(suggestion.experiences)} 篇；"
                   f"单位：{'、'.join(suggestion.units)}；月份：{'、'.join(suggestion.month_labels)}")


def whole_number(value: str, option: str, low: int, high: int) -> int:
    """A whole number within bounds, or one Chinese line (click's own message is English)."""
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise click.ClickException(f"{option} 应为 {low} 到 {high} 之间的整数，收到“{value}”。")
    return int(value)


@salons_cli.command("remind")
def remind_command():
    """Notify what the month's rhythm says is due today (each message once; run daily)."""
    sent = rhythm.send_reminders()
    db.session.commit()
    click.echo(f"已发送沙龙提醒 {sent} 条。" if sent else "今天没有需要发送的沙龙提醒。")
