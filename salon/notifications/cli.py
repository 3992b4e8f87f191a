"""`flask notify digest`: the e-mail digest of unread messages."""
import click
from flask.cli import AppGroup

from .mail import MailError, configured, pending, send_digest, unreachable_count

notify_cli = AppGroup("notify", help="消息与邮件提醒。")


@notify_cli.command("digest")
def digest_command():
    """E-mail each person with unread, not yet mailed messages one digest."""
    if not configured():
        click.echo("未配置邮件服务器（SALON_MAIL_SERVER），不发送邮件；消息仍在消息中心。")
        return
    batches = pending()
    without = unreachable_count()
    if not batches:
        click.echo("没有需要发送的消息摘要。"
                   + (f"（{without} 人有未读消息但未填写电子邮箱。）" if without else ""))
        return
    try:
        with click.progressbar(length=len(batches), label="发送消息摘要",
                               show_pos=True) as bar:
            result = send_digest(batches, lambda: bar.update(1))
    except MailError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"已发送 {len(result.sent)} 封消息摘要。"
               + (f"{without} 人有未读消息但未填写电子邮箱。" if without else ""))
    if result.refused:
        raise click.ClickException(
            f"{len(result.refused)} 封被邮件服务器拒收（下次再试）：" + "；".join(result.refused))
