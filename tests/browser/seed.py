"""Demo-like data for the browser tests: `flask demo` when it exists, plus the test users."""
from datetime import timedelta

from salon.accounts.models import User
from salon.extensions import db
from salon.salons.models import Salon
from salon.timeutil import now
from tests.conftest import PASSWORD_HASH, ROLES, UNITS

TEST_USERS = [(role, f"测试{role}", UNITS[role], role) for role in ROLES] + [
    ("officer2", "王二", "曹甸派出所", "officer"),
]


def seed_site(app) -> None:
    """Demo data (every feature's seed), the known test users, an open salon, a fresh index."""
    run_command(app, "demo", required=False)
    ensure_test_users()
    ensure_open_salon()
    db.session.commit()
    run_command(app, "search", "reindex", required=False)


def run_command(app, *args: str, required: bool = True) -> None:
    """Run a `flask` command in-process; one that does not exist yet is passed over."""
    command = app.cli
    for name in args:
        command = getattr(command, "commands", {}).get(name)
        if command is None:
            assert not required, f"缺少命令 flask {' '.join(args)}"
            return
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, f"flask {' '.join(args)} 失败：{result.output}"


def ensure_test_users() -> None:
    """officer, officer2, organizer, leader, admin with conftest.PASSWORD."""
    from salon.accounts.services import create_user

    for username, name, unit, role in TEST_USERS:
        user = db.session.scalar(db.select(User).filter_by(username=username))
        if user is None:
            user = create_user(username, name, unit, role)
        user.role, user.active, user.password_hash = role, True, PASSWORD_HASH


def ensure_open_salon() -> None:
    """A salon taking posts this month (demo data may already have one)."""
    if db.session.scalar(db.select(Salon).filter_by(status="open")):
        return
    month = now().strftime("%Y-%m")
    salon = db.session.scalar(db.select(Salon).filter_by(month=month))
    if salon is None:
        number = (db.session.scalar(db.select(db.func.max(Salon.number))) or 0) + 1
        salon = Salon(number=number, month=month, topic="社区警务室建设与群众工作",
                      description="围绕**社区警务室**规范化建设交流经验、反映问题。",
                      starts_at=now() + timedelta(days=7), place="局三楼会议室")
        db.session.add(salon)
    salon.status = "open"


def unit_head(app, unit_name: str) -> str:
    """The username of the unit's head (所长), with the test password; made if the demo has none."""
    from salon.accounts.models import Unit
    from salon.accounts.services import create_user

    with app.app_context():
        head = db.session.scalar(db.select(User).where(
            User.unit.has(Unit.name == unit_name), User.unit_head.is_(True)))
        if head is None:
            head = create_user("suozhang", "顾所长", unit_name, "officer", unit_head=True)
        head.password_hash, head.active = PASSWORD_HASH, True
        db.session.commit()
        return head.username
