"""`flask problems remind`: what is due within 3 days or overdue, per responsible unit."""
import click
from flask.cli import AppGroup

from ..timeutil import zh_date
from .queries import DUE_SOON_DAYS, reminders_by_unit

problems_cli = AppGroup("problems", help="问题跟踪。")


@problems_cli.command("remind")
def remind_command():
    """List, per responsible unit, problems due within 3 days and overdue ones."""
    blocks = reminders_by_unit()
    if not blocks:
        click.echo(f"没有 {DUE_SOON_DAYS} 天内到期或已超期的问题。")
        return
    for unit, due, overdue in blocks:
        click.echo(f"【{unit.name}】")
        _section(f"{DUE_SOON_DAYS} 天内到期", due)
        _section("已超期", overdue)
        click.echo("")


def _section(title: str, problems) -> None:
    click.echo(f"  {title}（{len(problems)}）：")
    if not problems:
        click.echo("    无")
    for problem in problems:
        days = problem.days_left
        when = f"超期 {-days} 天" if days < 0 else ("今天到期" if days == 0 else f"还剩 {days} 天")
        click.echo(f"    #{problem.id} {problem.post.title}｜时限 {zh_date(problem.deadline)}｜"
                   f"{when}｜{problem.state_label}")
