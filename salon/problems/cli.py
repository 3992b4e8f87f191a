"""`flask problems remind`: notify about nearly due and overdue problems and due 回头看."""
from collections import Counter

import click
from flask.cli import AppGroup

from ..extensions import db
from ..timeutil import today
from .queries import DUE_SOON_DAYS
from .reminders import reminders, send

problems_cli = AppGroup("problems", help="问题跟踪。")

HEADINGS = {"overdue": "已超期", "due_soon": f"{DUE_SOON_DAYS} 天内到期", "review": "回头看到期"}


@problems_cli.command("remind")
def remind_command():
    """Notify the units, the desk and the leaders; each reminder reaches a person once."""
    found = reminders()
    if not found:
        click.echo(f"没有 {DUE_SOON_DAYS} 天内到期或已超期的问题，也没有到期的回头看。")
        return
    written = send(found)
    db.session.commit()
    for kind, heading in HEADINGS.items():
        items = [r for r in found if r.kind == kind]
        if items:
            click.echo(f"【{heading}】（{len(items)}）")
        for r in items:
            unit = r.problem.responsible_unit.name if r.problem.responsible_unit else "督办"
            title = r.problem.post.title + (f"（阶段“{r.stage.title}”）" if r.stage else "")
            click.echo(f"  #{r.problem.id} {title}｜{unit}｜{_when(r)}")
    counts = Counter(r.kind for r in found)
    click.echo(f"已发送 {written} 条新提醒（已超期 {counts['overdue']} 项，"
               f"{DUE_SOON_DAYS} 天内到期 {counts['due_soon']} 项，回头看 {counts['review']} 项）；"
               "已提醒过的不再重复。")


def _when(reminder) -> str:
    problem = reminder.problem
    if reminder.kind == "review":
        return f"{problem.resolved_at:%Y-%m-%d} 办结"
    if reminder.stage is not None:
        days = (reminder.stage.due - today()).days
        return f"阶段超期 {-days} 天" if days < 0 else (
            "阶段今天到期" if days == 0 else f"阶段还剩 {days} 天")
    days = problem.days_left
    return f"超期 {-days} 天" if days < 0 else ("今天到期" if days == 0 else f"还剩 {days} 天")
