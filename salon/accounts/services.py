"""Account rules: creating users, checking passwords, finding units."""
from ..extensions import db
from .models import ROLES, Unit, User

MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """A rule of accounts was broken; the message is for the user."""


def password_problem(password: str) -> str | None:
    """Why a password is too weak, or None (at least 8 characters, letters and digits)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 位。"
    if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
        return "密码须同时包含字母和数字。"
    return None


def get_or_create_unit(name: str, kind: str = "station") -> Unit:
    """The unit with this name, created if it does not exist yet."""
    name = name.strip()
    if not name:
        raise AccountError("单位名称不能为空。")
    unit = db.session.scalar(db.select(Unit).filter_by(name=name))
    if unit is None:
        unit = Unit(name=name, kind=guess_unit_kind(name) if kind == "station" else kind)
        db.session.add(unit)
    return unit


def guess_unit_kind(name: str) -> str:
    """派出所 / 大队 / 科室 from the unit's name."""
    if name.endswith("大队") or name.endswith("中队"):
        return "brigade"
    if name.endswith(("科", "室", "办", "办公室", "中心")):
        return "office"
    return "station"


def create_user(
    username: str, name: str, unit_name: str, role: str = "officer",
    password: str | None = None, police_no: str | None = None, active: bool = True,
) -> User:
    """Add a user (and the unit if new); the caller commits."""
    username = username.strip()
    if not username:
        raise AccountError("用户名不能为空。")
    if role not in ROLES:
        raise AccountError(f"未知角色：{role}（可选：{'、'.join(ROLES)}）。")
    if db.session.scalar(db.select(User).filter_by(username=username)):
        raise AccountError(f"用户名“{username}”已存在。")
    if police_no and db.session.scalar(db.select(User).filter_by(police_no=police_no)):
        raise AccountError(f"警号“{police_no}”已被使用。")
    user = User(username=username, name=name.strip() or username, role=role,
                police_no=police_no or None, active=active, unit=get_or_create_unit(unit_name))
    if password is not None:
        problem = password_problem(password)
        if problem:
            raise AccountError(problem)
        user.set_password(password)
    db.session.add(user)
    return user


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = db.session.scalar(db.select(User).filter_by(username=username.strip()))
    if user and user.active and user.check_password(password):
        return user
    return None
