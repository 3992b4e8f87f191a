"""`flask users …`: create users (one, or a sheet of them) and issue API tokens."""
import sys

import click
from flask.cli import AppGroup

from ..extensions import db
from ..textnorm import clean_option
from .models import ROLES, ApiToken, User
from .services import AccountError, create_user

users_cli = AppGroup("users", help="用户管理。")


@users_cli.command("create")
@click.argument("username", callback=clean_option)
@click.option("--name", required=True, help="姓名", callback=clean_option)
@click.option("--unit", required=True, help="单位（不存在时自动创建）", callback=clean_option)
@click.option("--role", default="officer", type=click.Choice(list(ROLES)), show_default=True)
@click.option("--unit-head", is_flag=True, help="担任本单位负责人（所长/负责人）")
@click.option("--police-no", default=None, help="警号", callback=clean_option)
@click.option("--email", default=None, help="电子邮箱（接收消息摘要，可选）", callback=clean_option)
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码")
def create_command(username, name, unit, role, unit_head, police_no, email, password_stdin):
    """Create a user; the password is read from a prompt or standard input."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(username, name, unit, role, password=password, police_no=police_no,
                           unit_head=unit_head, email=email)
        db.session.commit()
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"已创建用户 {user.username}（{user.name}，{user.unit.name}，{user.title_label}）。")


@users_cli.command("token")
@click.argument("username")
@click.option("--label", default="命令行", help="令牌备注")
def token_command(username, label):
    """Issue a new API token for the user and print it once."""
    user = db.session.scalar(db.select(User).filter_by(username=username))
    if user is None:
        raise click.ClickException(f"用户“{username}”不存在。")
    if not user.active:
        raise click.ClickException(f"用户“{username}”已停用，不能签发令牌。")
    _, plain = ApiToken.issue(user, label)
    db.session.commit()
    click.echo(plain)


@users_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--password-stdin", is_flag=True,
              help="从标准输入读取初始密码（所有导入用户相同，首次登录须修改）")
def import_command(path, password_stdin):
    """Create users and units from an .xlsx sheet (用户名, 姓名, 警号, 单位, 角色), all or none."""
    from .importer import import_users

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        created = import_users(data, password)
        db.session.commit()
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    units = len({user.unit_id for user in created})
    note = "" if password_stdin else ("（未设初始密码：请管理员逐个重设密码，"
                                      "或下次用 --password-stdin 设初始密码）")
    click.echo(f"已导入 {len(created)} 个用户，涉及 {units} 个单位。{note}")
