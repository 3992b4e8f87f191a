"""Units, users and API tokens."""
import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..timeutil import now

ROLES = {"officer": "民警", "organizer": "组织者", "leader": "局领导", "admin": "管理员"}
UNIT_KINDS = {
    "station": "派出所",
    "post": "警务室",
    "brigade": "大队",
    "office": "科室",
    "committee": "党委",
}
# 局党委 is the collective decision body: leaders belong to it, but it never handles a
# problem itself, so it is never a 责任单位.
NOT_RESPONSIBLE_KINDS = ("committee",)
HEAD_TITLES = {"station": "所长", "post": "负责人", "brigade": "大队长", "office": "科长",
               "committee": "书记"}


# 治安复杂程度系数: 1.0 is an ordinary area; the assessment divides a lower-is-better figure
# (发案率) by it and multiplies a higher-is-better one, so a hard area is compared fairly.
COMPLEXITY_MIN, COMPLEXITY_MAX = 0.5, 2.0

# 联系领导 / 挂点: a leader may be paired with several units and a unit with several leaders.
unit_contact_leader = Table(
    "unit_contact_leader",
    db.metadata,
    Column("unit_id", ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


class Unit(db.Model):
    """单位: a 派出所, 警务室, 大队 or 科室 (or 局党委, which is not a working unit)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="station")
    # The profile (单位档案): 辖区人口, 治安复杂程度系数, and for a 警务室 its 派出所.
    population: Mapped[int | None]
    complexity: Mapped[float] = mapped_column(default=1.0, server_default="1.0")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)

    users: Mapped[list["User"]] = relationship(back_populates="unit")
    parent: Mapped["Unit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Unit"]] = relationship(back_populates="parent", order_by="Unit.name")
    contact_leaders: Mapped[list["User"]] = relationship(
        secondary=unit_contact_leader, order_by="User.id")

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS.get(self.kind, self.kind)

    @property
    def can_be_responsible(self) -> bool:
        """Whether a problem may be assigned to this unit as its 责任单位 (not 局党委)."""
        return self.kind not in NOT_RESPONSIBLE_KINDS

    def __str__(self) -> str:
        return self.name


class User(UserMixin, db.Model):
    """A person who signs in (or an inactive author created by an import)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    police_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="officer")
    # 所长/负责人 of their unit: signs for, reports and asks for extensions on its problems.
    unit_head: Mapped[bool] = mapped_column(default=False)
    # For the e-mail digest of notifications (optional).
    email: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    # Set by an admin or the command line: the owner chooses their own at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=now)

    unit: Mapped[Unit] = relationship(back_populates="users", lazy="joined")

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def short_title(self) -> str:
        """What the menu shows beside the name: 所长 for a station's head, else the role."""
        if self.unit_head:
            return HEAD_TITLES.get(self.unit.kind, "负责人")
        return self.role_label

    @property
    def title_label(self) -> str:
        """角色, with 所长/负责人 for a unit head: "民警（所长）"."""
        if not self.unit_head:
            return self.role_label
        return f"{self.role_label}（{HEAD_TITLES.get(self.unit.kind, '负责人')}）"

    @property
    def session_stamp(self) -> str:
        """Changes with the password or the role (a fresh scrypt salt even for the same password).

        The session cookie is signed, not encrypted; a hash of the salted hash tells nothing.
        """
        material = f"{self.password_hash or ''}|{self.role}"
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    # The sign-in (LoginSession id) this request runs under; set at login and by the loader.
    login_session_id: str = ""

    def get_id(self) -> str:
        """What the session and the remember-me cookie keep: the id bound to the stamp and
        to one sign-in, so a password or role change ends every session signed in before it,
        and signing out ends this one on the server (see auth.load_user)."""
        return f"{self.id}:{self.session_stamp}:{self.login_session_id}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def has_role(self, *roles: str) -> bool:
        """Whether the user holds one of these roles (admins manage users, not content)."""
        return self.role in roles

    def __str__(self) -> str:
        return self.name


def hash_token(token: str) -> str:
    """Tokens are random and long, so a plain SHA-256 is the right stored form."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    """A bearer token for the JSON API, stored hashed and revocable."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    label: Mapped[str] = mapped_column(String(64), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @classmethod
    def issue(cls, user: User, label: str = "") -> tuple["ApiToken", str]:
        """Create a token; the plain text is returned once and never stored."""
        plain = "sal_" + secrets.token_urlsafe(32)
        token = cls(user=user, label=label, token_hash=hash_token(plain))
        db.session.add(token)
        return token, plain


class LoginSession(db.Model):
    """One sign-in: its id travels in the session and remember-me cookies; signing out ends
    it here, so a copied cookie replayed afterwards is refused."""

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    ended_at: Mapped[datetime | None] = mapped_column(index=True)

    @classmethod
    def open(cls, user: User) -> "LoginSession":
        """A new sign-in with a fresh random id (the caller commits)."""
        login = cls(id=secrets.token_urlsafe(32), user_id=user.id)
        db.session.add(login)
        return login


class LoginThrottle(db.Model):
    """Recent failed sign-ins of one (account, address) pair or of one address, and until
    when further attempts from there wait (see throttle.py)."""

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(default=now, index=True)
    blocked_until: Mapped[datetime | None]


LOGIN_REASONS = {
    "ok": "登录成功",
    "unknown_user": "用户不存在",
    "bad_password": "密码错误",
    "inactive": "账号已停用",
    "throttled": "尝试过于频繁",
}


class LoginEvent(db.Model):
    """One sign-in attempt, kept for the audit log (登录日志)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(256), default="")
    success: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=now, index=True)

    user: Mapped[User | None] = relationship()

    @property
    def reason_label(self) -> str:
        return LOGIN_REASONS.get(self.reason, self.reason)
