"""群众建议 (开门评警): the public's suggestions, the desk's triage, replies and the verdict."""
import re
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Unit, User
from ..extensions import db
from ..problems.models import Problem
from ..timeutil import now

CHANNELS = {
    "online": "网上", "form": "登记表", "visit": "走访", "meeting": "座谈会",
    "phone": "电话", "sms": "短信",
}
# What officers pick when they register what they collected (网上 is the public app's).
OFFICER_CHANNELS = ("visit", "meeting", "phone", "sms", "form")
STATUSES = {
    "new": "待处理",
    "adopted": "已采纳",
    "merged": "已并入问题",
    "replied": "已答复",
    "declined": "不予采纳",
}
VERDICTS = {"satisfied": "满意", "basically": "基本满意", "unsatisfied": "不满意"}
PLEASED = ("satisfied", "basically")
VERDICT_SOURCES = {"citizen": "群众网上评价", "desk": "督办回访"}


class Suggestion(db.Model):
    """群众建议: one suggestion, however it came in, with its query code (查询码)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(20), index=True)
    text: Mapped[str] = mapped_column(Text)
    place: Mapped[str] = mapped_column(String(200), default="")
    # Seen by the desk (督办) only; masked on every other page, never in search or the API.
    contact: Mapped[str] = mapped_column(String(100), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    # 采纳为问题 / 合并到已有问题: the problem it became or joined (the link back is a query).
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problem.id"), index=True)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    received_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=now, index=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    triaged_at: Mapped[datetime | None]
    # When the citizen first had an answer (a triage decision or a reply): time to answer.
    first_answer_at: Mapped[datetime | None]
    verdict: Mapped[str | None] = mapped_column(String(20))
    verdict_note: Mapped[str] = mapped_column(Text, default="")
    verdict_source: Mapped[str | None] = mapped_column(String(20))
    verdict_at: Mapped[datetime | None]

    unit: Mapped[Unit | None] = relationship()
    problem: Mapped[Problem | None] = relationship()
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])
    triaged_by: Mapped[User | None] = relationship(foreign_keys=[triaged_by_id])
    replies: Mapped[list["SuggestionReply"]] = relationship(
        back_populates="suggestion", order_by="SuggestionReply.id", cascade="all, delete-orphan")

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.channel, self.channel)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def verdict_label(self) -> str:
        return VERDICTS.get(self.verdict or "", "")

    @property
    def masked_contact(self) -> str:
        return mask_contact(self.contact)

    @property
    def short_text(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= 40 else text[:40] + "…"

    @property
    def display_code(self) -> str:
        return format_code(self.code)


class SuggestionReply(db.Model):
    """答复: what the desk tells the citizen; shown with the query code."""

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=now)

    suggestion: Mapped[Suggestion] = relationship(back_populates="replies")
    author: Mapped[User] = relationship()


def format_code(code: str) -> str:
    """K7QM3XZP8HWD2RTN → K7QM-3XZP-8HWD-2RTN (easier to read out and copy)."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


_DIGITS = re.compile(r"\d")


def mask_contact(contact: str) -> str:
    """张三 13812345678 → 张* 138****5678: enough to tell two apart, not to call."""
    if not contact:
        return ""
    digits = [m.start() for m in _DIGITS.finditer(contact)]
    keep = set(digits[:3] + digits[-4:]) if len(digits) >= 7 else set(digits[-2:])
    out, word_start = [], True
    for index, ch in enumerate(contact):
        if ch.isdigit():
            out.append(ch if index in keep else "*")
            word_start = False
        elif ch.isspace() or not ch.isalnum():
            out.append(ch)
            word_start = True
        else:
            out.append(ch if word_start else "*")
            word_start = False
    return "".join(out)
