"""`flask assess compute PERIOD [--json]`: the ranking of a quarter or a month."""
import json

import click
from flask.cli import AppGroup

from ..errors import DomainError
from ..extensions import db
from .indicators import install_defaults
from .services import as_json, assess

assess_cli = AppGroup("assess", help="考核：计算排名、安装默认指标。")


@assess_cli.command("compute")
@click.argument("period")
@click.option("--json", "as_json_flag", is_flag=True, help="以 JSON 输出（按名次）。")
def compute_command(period: str, as_json_flag: bool):
    """Compute the assessment of PERIOD (YYYYQn or YYYY-MM)."""
    try:
        assessment = assess(period)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if as_json_flag:
        click.echo(json.dumps(as_json(assessment), ensure_ascii=False, indent=2))
        return
    if not assessment.indicators:
        click.echo("尚未设置考核指标（flask assess defaults 安装默认指标）。")
        return
    click.echo(f"{assessment.period.label}（{assessment.period.code}）考核排名")
    for result in assessment.results:
        score = "—" if result.total is None else f"{result.total:.2f}"
        rank = "未排名" if result.rank is None else f"第{result.rank}名"
        flags = "".join([f"  缺报 {len(result.missing)} 项" if result.missing else "",
                         "  末位" if result.last_place else ""])
        click.echo(f"{result.unit.group}  {rank:<5} {result.unit.name:<12} {score}{flags}")


@assess_cli.command("defaults")
def defaults_command():
    """Add the default indicator set (七率 and the platform's measures) where missing."""
    added = install_defaults()
    db.session.commit()
    click.echo(f"已添加 {added} 项默认考核指标。")
