"""Account rules: users, units, passwords, sign-in checks and API tokens."""
import re

from werkzeug.security import check_password_hash

from ..errors import DomainError
from ..extensions import db
from ..timeutil import now
from .models import (
    NOT_RESPONSIBLE_KINDS,
    ROLES,
    UNIT_KINDS,
    ApiToken,
    LoginEvent,
    LoginSession,
    Unit,
    User,
)
from .passwords import password_problem

# Checked against when the username is unknown, so a miss costs as long as a wrong password.
# A fixed scrypt hash of "no-such-user-0" with the parameters User.set_password uses (checked
# by tests/test_login_security.py): computing it at import cost every process ~0.15 s.
_DUMMY_HASH = ("scrypt:32768:8:1$cDH4XQ8UgrtVwoPF$ea0ca9c36152b5e2fc042582a1eddd0bba9d47c0c804"
               "ed8eed31f716b82aabd2dd429e7aa22c46547e97133a374c610e5b4124aa5235d16fbaa25a70127"
               "49804")


class AccountError(DomainError):
    """A rule of accounts was broken; the message is for the user, `field` says where."""


# --- units -----------------------------------------------------------------------------------

def get_or_create_unit(name: str, kind: str = "station") -> Unit:
    """The unit with this name, created if it does not exist yet."""
    name = name.strip()
    if not name:
        raise AccountError("单位名称不能为空。", "unit")
    unit = db.session.scalar(db.select(Unit).filter_by(name=name))
    if unit is None:
        unit = Unit(name=name, kind=guess_unit_kind(name) if kind == "station" else kind)
        db.session.add(unit)
    return unit


def guess_unit_kind(name: str) -> str:
    """派出所 / 警务室 / 大队 / 科室 / 党委 from the unit's name."""
    if name.endswith("党委"):
        return "committee"
    if name.endswith("警务室"):
        return "post"
    if name.endswith("大队") or name.endswith("中队"):
        return "brigade"
    if name.endswith(("科", "室", "办", "办公室", "中心")):
        return "office"
    return "station"


def save_unit(unit: Unit | None, name: str, kind: str) -> Unit:
    """Create a unit (unit=None) or rename/re-kind one; names stay unique. The caller commits."""
    name = name.strip()
    if not name:
        raise AccountError("请输入单位名称。", "name")
    if kind not in UNIT_KINDS:
        raise AccountError("请选择单位类别。", "kind")
    clash = db.session.scalar(db.select(Unit).filter_by(name=name))
    if clash is not None and clash is not unit:
        raise AccountError(f"单位“{name}”已存在。", "name")
    if unit is None:
        unit = Unit()
        db.session.add(unit)
    unit.name, unit.kind = name, kind
    return unit


def units_with_counts() -> list[tuple[Unit, int]]:
    """Every unit with its number of users, in one query."""
    count = (db.select(db.func.count(User.id)).where(User.unit_id == Unit.id)
             .correlate(Unit).scalar_subquery())
    return [tuple(row) for row in db.session.execute(
        db.select(Unit, count).order_by(Unit.kind, Unit.name))]


def head_names() -> dict[int, list[str]]:
    """Each unit's active heads by name (one query), for the unit list."""
    names: dict[int, list[str]] = {}
    for unit_id, name in db.session.execute(
            db.select(User.unit_id, User.name).where(User.unit_head.is_(True),
                                                      User.active.is_(True))
            .order_by(User.unit_id, User.id)):
        names.setdefault(unit_id, []).append(name)
    return names


def all_units() -> list[Unit]:
    return list(db.session.scalars(db.select(Unit).order_by(Unit.name)))


def responsible_units() -> list[Unit]:
    """Units a problem may be assigned to (责任单位): every unit but 局党委."""
    return list(db.session.scalars(
        db.select(Unit).where(Unit.kind.not_in(NOT_RESPONSIBLE_KINDS))
        .order_by(Unit.kind.desc(), Unit.name)))


# --- people to tell ---------------------------------------------------------------------------

def unit_heads(unit_id: int | None) -> list[User]:
    """The active heads (所长/负责人) of a unit."""
    if unit_id is None:
        return []
    return list(db.session.scalars(db.select(User).filter_by(
        unit_id=unit_id, unit_head=True, active=True).order_by(User.id)))


def unit_members(unit_id: int | None) -> list[User]:
    """Every active member of a unit who can sign in (heads included)."""
    if unit_id is None:
        return []
    return list(db.session.scalars(db.select(User).where(
        User.unit_id == unit_id, User.active.is_(True), User.password_hash.is_not(None),
        User.role != "admin").order_by(User.id)))


def heads_or_members(unit_id: int | None) -> list[User]:
    """Who answers for a unit: its heads, or every member where it has none."""
    return unit_heads(unit_id) or unit_members(unit_id)


def users_with_role(*roles: str) -> list[User]:
    """Every active user holding one of these roles (e.g. the desk: "organizer")."""
    return list(db.session.scalars(db.select(User).where(
        User.role.in_(roles), User.active.is_(True)).order_by(User.id)))


# --- users -----------------------------------------------------------------------------------

def _check_unique(user: User | None, username: str | None, police_no: str | None) -> None:
    """Username and police number belong to one user each."""
    if username is not None:
        clash = db.session.scalar(db.select(User).filter_by(username=username))
        if clash is not None and clash is not user:
            raise AccountError(f"用户名“{username}”已存在。", "username")
    if police_no:
        clash = db.session.scalar(db.select(User).filter_by(police_no=police_no))
        if clash is not None and clash is not user:
            raise AccountError(f"警号“{police_no}”已被使用。", "police_no")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"未知角色：{role}（可选：{'、'.join(ROLES)}）。", "role")


EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


def clean_email(email: str | None) -> str | None:
    """An optional e-mail address (for the digest), checked for its shape."""
    email = (email or "").strip()
    if not email:
        return None
    if len(email) > 120 or not EMAIL_PATTERN.match(email):
        raise AccountError(f"电子邮箱格式不正确：“{email[:60]}”。", "email")
    return email


def _check_head(role: str, unit_head: bool) -> None:
    """Admins manage accounts only, so they never head a unit."""
    if unit_head and role == "admin":
        raise AccountError("管理员不能担任单位负责人。", "unit_head")


def create_user(
    username: str, name: str, unit_name: str, role: str = "officer",
    password: str | None = None, police_no: str | None = None, active: bool = True,
    unit_head: bool = False, email: str | None = None,
) -> User:
    """Add a user (and the unit if new); the caller commits."""
    username = username.strip()
    police_no = (police_no or "").strip() or None
    if not username:
        raise AccountError("用户名不能为空。", "username")
    _check_role(role)
    _check_head(role, unit_head)
    _check_unique(None, username, police_no)
    user = User(username=username, name=name.strip() or username, role=role,
                police_no=police_no, active=active, unit=get_or_create_unit(unit_name),
                unit_head=unit_head, email=clean_email(email))
    if password is not None:
        set_password(user, password, set_by_admin=True)
    db.session.add(user)
    return user


def set_password(user: User, password: str, set_by_admin: bool = False) -> None:
    """Set a password that meets the policy. One that somebody else chose (an admin, the
    command line) must be changed by its owner at the next sign-in."""
    problem = password_problem(password, user.username, user.police_no,
                               user.check_password if user.password_hash else None)
    if problem:
        raise AccountError(problem, "password")
    user.set_password(password)
    user.must_change_password = set_by_admin


def change_own_password(user: User, password: str) -> int:
    """The user sets a new password, often because the old one may be known: their other
    sessions end and their API tokens stop working. Returns how many tokens were revoked."""
    set_password(user, password)
    end_sessions(user, keep=user.login_session_id)
    return revoke_all_tokens(user)


def reset_user_password(user: User, password: str, actor: User | None = None) -> None:
    """An admin sets a new password: the account may have been taken over, so its sessions
    end and its API tokens stop working too."""
    set_password(user, password, set_by_admin=actor is None or actor.id != user.id)
    end_sessions(user, keep=_own_session(user, actor))
    revoke_all_tokens(user)


def end_sessions(user: User, keep: str = "") -> None:
    """End every sign-in of the user (but `keep`, the request's own); the caller commits.
    The session stamp refuses them already; the rows say so too, and stop being checked."""
    db.session.execute(db.update(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.ended_at.is_(None),
        LoginSession.id != keep).values(ended_at=now()))


def _own_session(user: User, actor: User | None) -> str:
    return actor.login_session_id if actor is not None and actor.id == user.id else ""


def revoke_all_tokens(user: User) -> int:
    """Revoke every live API token of the user (kept for the record; the caller commits).
    Returns how many there were."""
    tokens = db.session.scalars(db.select(ApiToken).filter_by(user_id=user.id,
                                                              revoked_at=None)).all()
    for token in tokens:
        token.revoked_at = now()
    return len(tokens)


def active_admin_count() -> int:
    return db.session.scalar(
        db.select(db.func.count(User.id)).filter_by(role="admin", active=True)) or 0


def _would_remove_last_admin(user: User, role: str, active: bool) -> bool:
    """True when this change takes away the only active admin."""
    was_admin = user.role == "admin" and user.active
    stays_admin = role == "admin" and active
    return was_admin and not stays_admin and active_admin_count() <= 1


def update_user(user: User, actor: User, *, name: str, police_no: str | None, unit: Unit,
                role: str, active: bool, unit_head: bool | None = None,
                email: str | None = None) -> User:
    """An admin edits a user; nobody deactivates themselves or removes the last admin.
    `unit_head`/`email` left as None keep their values."""
    police_no = (police_no or "").strip() or None
    unit_head = user.unit_head if unit_head is None else unit_head
    email = user.email if email is None else clean_email(email)
    _check_role(role)
    _check_head(role, unit_head)
    _check_unique(user, None, police_no)
    if user.id == actor.id and not active:
        raise AccountError("不能停用自己的账号。", "active")
    if _would_remove_last_admin(user, role, active):
        raise AccountError("这是最后一名管理员，不能取消其管理员角色或停用。", "role")
    if role != user.role:  # tokens carry the old role's rights: issue new ones
        revoke_all_tokens(user)
    if role != user.role or not active:  # and the sessions signed in under it end
        end_sessions(user, keep=_own_session(user, actor))
    user.name = name.strip() or user.username
    user.police_no, user.unit, user.role, user.active = police_no, unit, role, active
    user.unit_head, user.email = unit_head, email
    return user


def update_own_settings(user: User, email: str | None) -> None:
    """个人设置: what a user changes about themselves (the e-mail for the digest)."""
    user.email = clean_email(email)


def set_active(user: User, actor: User, active: bool) -> None:
    """Deactivate or reactivate a user (same rules as editing)."""
    update_user(user, actor, name=user.name, police_no=user.police_no, unit=user.unit,
                role=user.role, active=active)


def user_query(q: str = "", unit_id: int | None = None, role: str = "", active: str = ""):
    """The admin user list, filtered; the unit is joined so a page costs two queries."""
    query = db.select(User).order_by(User.unit_id, User.username)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(db.or_(User.username.ilike(like), User.name.ilike(like),
                                   User.police_no.ilike(like)))
    if unit_id:
        query = query.where(User.unit_id == unit_id)
    if role in ROLES:
        query = query.where(User.role == role)
    if active in ("1", "0"):
        query = query.where(User.active.is_(active == "1"))
    return query


# --- sign-in ---------------------------------------------------------------------------------

def check_credentials(username: str, password: str) -> tuple[User | None, str]:
    """(user, reason): the user signs in only when the reason is "ok"."""
    user = db.session.scalar(db.select(User).filter_by(username=username.strip()))
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return user, "unknown_user" if user is None else "inactive"
    if not user.check_password(password):
        return user, "bad_password"
    if not user.active:
        return user, "inactive"
    return user, "ok"


def record_login(username: str, user: User | None, reason: str, ip: str | None,
                 user_agent: str | None) -> LoginEvent:
    """Write one sign-in attempt to the audit log and commit it."""
    event = LoginEvent(username=(username or "").strip()[:64], user=user, reason=reason,
                       success=reason == "ok", ip=(ip or "")[:45],
                       user_agent=(user_agent or "")[:256])
    db.session.add(event)
    db.session.commit()
    return event


def recent_logins(failed_only: bool = False):
    """The sign-in log, newest first."""
    query = db.select(LoginEvent).order_by(LoginEvent.id.desc())
    if failed_only:
        query = query.where(LoginEvent.success.is_(False))
    return query


# --- API tokens ------------------------------------------------------------------------------

def user_tokens(user: User) -> list[ApiToken]:
    """A user's tokens, newest first."""
    return list(db.session.scalars(
        db.select(ApiToken).filter_by(user_id=user.id).order_by(ApiToken.id.desc())))


def issue_token(user: User, label: str) -> str:
    """Create a token and commit; the plain text is returned once."""
    if not user.active:
        raise AccountError("账号已停用，不能签发令牌。")
    _, plain = ApiToken.issue(user, label.strip()[:64] or "未命名")
    db.session.commit()
    return plain


def revoke_token(token: ApiToken) -> None:
    """Revoke a token (kept for the record) and commit."""
    if token.revoked_at is None:
        token.revoked_at = now()
        db.session.commit()
