"""群众建议 rules: taking a suggestion in, the desk's triage, replies, the citizen's verdict."""
import secrets
from dataclasses import dataclass
from datetime import date

from ..accounts.models import Unit, User
from ..errors import Conflict, InvalidInput, Missing, NotAllowed
from ..extensions import db
from ..problems.models import DONE_STATES, Problem
from ..timeutil import now, today
from .models import CHANNELS, OFFICER_CHANNELS, VERDICTS, Suggestion, SuggestionReply

TEXT_MAX = 2000
PLACE_MAX = 200
CONTACT_MAX = 100
REPLY_MAX = 2000
# Crockford's base32: no I, L, O, U, so a code read out over the phone is not misheard.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 80 random bits: guessing one is hopeless, and guesses are rate-limited
_CODE_FOLD = str.maketrans({"O": "0", "I": "1", "L": "1"})


@dataclass
class SuggestionInput:
    """What a citizen writes, or an officer registers from what a citizen said."""

    text: str
    place: str = ""
    contact: str = ""
    unit_id: int | None = None
    channel: str = "online"
    received_on: date | None = None


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(typed: str | None) -> str | None:
    """What a citizen typed (spaces, dashes, lower case, O for 0) → a code, or None."""
    code = "".join(ch for ch in (typed or "")[:64].upper() if ch.isalnum()).translate(_CODE_FOLD)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def find_by_code(typed: str | None) -> Suggestion | None:
    code = normalize_code(typed)
    if code is None:
        return None
    return db.session.scalar(db.select(Suggestion).filter_by(code=code))


def stations() -> list[Unit]:
    """The units a citizen may name: 派出所 and 大队 (not the 局's offices)."""
    return db.session.scalars(db.select(Unit).where(Unit.kind != "office")
                              .order_by(Unit.id)).all()


def check_input(data: SuggestionInput) -> None:
    """Refuse what no suggestion may hold, with a message that says what to fix."""
    text = (data.text or "").strip()
    if not text:
        raise InvalidInput("请填写建议内容。", field="text")
    if len(text) > TEXT_MAX:
        raise InvalidInput(f"建议内容最多 {TEXT_MAX} 字（现有 {len(text)} 字），请精简后再提交。",
                           field="text")
    if len(data.place or "") > PLACE_MAX:
        raise InvalidInput(f"地点最多 {PLACE_MAX} 字。", field="place")
    if len(data.contact or "") > CONTACT_MAX:
        raise InvalidInput(f"联系方式最多 {CONTACT_MAX} 字。", field="contact")
    if data.channel not in CHANNELS:
        raise InvalidInput("来源渠道须为：" + "、".join(CHANNELS.values()) + "。", field="channel")
    if data.unit_id is not None and db.session.get(Unit, data.unit_id) is None:
        raise InvalidInput("所选单位不存在。", field="unit_id")
    if data.received_on and data.received_on > today():
        raise InvalidInput("收集日期不能晚于今天。", field="received_on")


def _create(data: SuggestionInput, registered_by: User | None) -> Suggestion:
    check_input(data)
    suggestion = Suggestion(
        code=new_code(), channel=data.channel, text=data.text.strip(),
        place=(data.place or "").strip(), contact=(data.contact or "").strip(),
        unit_id=data.unit_id, received_on=data.received_on or today(), created_at=now(),
        registered_by=registered_by, status="new")
    db.session.add(suggestion)
    db.session.flush()
    return suggestion


def submit_public(data: SuggestionInput) -> Suggestion:
    """网上: a citizen's own suggestion from the public app (the desk is told)."""
    data.channel = "online"
    data.received_on = None
    suggestion = _create(data, None)
    tell_desk(f"新的群众建议（网上）：{suggestion.short_text}", suggestion)
    return suggestion


def tell_desk(text: str, suggestion: Suggestion | None = None, exclude=None) -> None:
    """A message to every organizer (督办), in the caller's transaction."""
    from ..notifications.services import notify

    desk = db.session.scalars(db.select(User).where(User.role == "organizer",
                                                    User.active.is_(True))).all()
    link = f"/suggestions/{suggestion.id}" if suggestion is not None else "/suggestions/?status=new"
    notify(desk, "suggestion", text, link, exclude=exclude)


def _tell_registrar(suggestion: Suggestion, text: str) -> None:
    """The officer who registered it hears what became of it."""
    from ..notifications.services import notify

    if suggestion.registered_by_id is not None:
        notify([suggestion.registered_by_id], "suggestion", text,
               f"/suggestions/{suggestion.id}", exclude=suggestion.triaged_by_id)


def register(officer: User, data: SuggestionInput) -> Suggestion:
    """An officer registers what a citizen said at a 走访, 座谈会, on the phone or by 短信."""
    if not may_register(officer):
        raise NotAllowed("只有民警、组织者和局领导可以登记群众建议。")
    if data.channel not in OFFICER_CHANNELS:
        raise InvalidInput("请选择收集渠道：" + "、".join(CHANNELS[c] for c in OFFICER_CHANNELS)
                           + "。", field="channel")
    suggestion = _create(data, officer)
    who = f"{officer.unit.name} {officer.name}"
    tell_desk(f"新的群众建议（{suggestion.channel_label}，{who}登记）：{suggestion.short_text}",
              suggestion, exclude=officer)
    return suggestion


# --- who may do what -------------------------------------------------------------------------

def may_register(user: User) -> bool:
    return user.is_authenticated and user.has_role("officer", "organizer", "leader")


def is_desk(user: User) -> bool:
    """督办: the organizers triage suggestions and alone see a citizen's contact."""
    return user.is_authenticated and user.has_role("organizer")


def may_view(suggestion: Suggestion, user: User) -> bool:
    """The desk and leaders see every suggestion; an officer those they registered."""
    if not user.is_authenticated:
        return False
    if user.has_role("organizer", "leader"):
        return True
    return user.has_role("officer") and suggestion.registered_by_id == user.id


def _desk_only(user: User) -> None:
    if not is_desk(user):
        raise NotAllowed("只有督办（组织者）可以处理群众建议。")


def _untriaged(suggestion: Suggestion) -> None:
    if suggestion.status != "new":
        raise Conflict(f"该建议已{suggestion.status_label}，不能重复处理。")


def _answered(suggestion: Suggestion, desk: User) -> None:
    suggestion.triaged_by = desk
    suggestion.triaged_at = suggestion.triaged_at or now()
    suggestion.first_answer_at = suggestion.first_answer_at or now()


# --- the desk's triage -----------------------------------------------------------------------

def adopt(suggestion: Suggestion, desk: User, title: str = "") -> Problem:
    """采纳为问题: a problem report (source 群众建议) opened by the desk, linked both ways."""
    from ..posts.services import PostInput, create_post, default_salon

    _desk_only(desk)
    _untriaged(suggestion)
    salon = default_salon()
    if salon is None:
        raise Conflict("没有筹备中或征稿中的沙龙，无法建立问题，请先创建本月沙龙。")
    title = (title or "").strip() or "群众建议：" + suggestion.short_text
    body = suggestion.text
    if suggestion.place:
        body += f"\n\n地点：{suggestion.place}"
    body += f"\n\n（群众建议，来源：{suggestion.channel_label}，{suggestion.received_on:%Y-%m-%d}）"
    post = create_post(desk, PostInput(
        kind="problem", title=title[:200], body=body, salon=salon, tags=["群众建议"],
        problem={"source": "public", "scan": suggestion.text}))
    db.session.flush()
    suggestion.problem = post.problem
    suggestion.status = "adopted"
    _answered(suggestion, desk)
    _tell_registrar(suggestion, f"您登记的群众建议已采纳为问题：{title[:60]}")
    return post.problem


def merge(suggestion: Suggestion, desk: User, problem_id: int | None) -> Problem:
    """合并到已有问题: the same problem is already tracked; the citizen follows that one."""
    _desk_only(desk)
    _untriaged(suggestion)
    problem = db.session.get(Problem, problem_id) if problem_id else None
    if problem is None:
        raise InvalidInput("请选择要并入的问题（问题编号不存在）。", field="problem_id")
    suggestion.problem = problem
    suggestion.status = "merged"
    _answered(suggestion, desk)
    _tell_registrar(suggestion, f"您登记的群众建议已并入问题：{problem.post.title[:60]}")
    return problem


def reply(suggestion: Suggestion, desk: User, text: str) -> SuggestionReply:
    """答复: a reply the citizen reads with the code; a new suggestion is then answered."""
    _desk_only(desk)
    text = (text or "").strip()
    if not text:
        raise InvalidInput("请填写答复内容。", field="reply")
    if len(text) > REPLY_MAX:
        raise InvalidInput(f"答复最多 {REPLY_MAX} 字。", field="reply")
    answer = SuggestionReply(suggestion=suggestion, author=desk, text=text, at=now())
    db.session.add(answer)
    if suggestion.status == "new":
        suggestion.status = "replied"
    _answered(suggestion, desk)
    return answer


def decline(suggestion: Suggestion, desk: User, reason: str) -> None:
    """不予采纳, with the reason the citizen reads."""
    _desk_only(desk)
    _untriaged(suggestion)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("不予采纳须说明理由（群众凭查询码可见）。", field="reason")
    if len(reason) > REPLY_MAX:
        raise InvalidInput(f"理由最多 {REPLY_MAX} 字。", field="reason")
    suggestion.decline_reason = reason
    suggestion.status = "declined"
    _answered(suggestion, desk)
    _tell_registrar(suggestion, f"您登记的群众建议不予采纳：{reason[:60]}")


# --- the end: answered, and the citizen's verdict --------------------------------------------

def problem_declined(suggestion: Suggestion) -> bool:
    """Taken up, then its problem was 不予受理: answered with the problem's reason."""
    return suggestion.problem is not None and suggestion.problem.state == "declined"


def is_finished(suggestion: Suggestion) -> bool:
    """Answered for good: replied, declined, its problem 办结 or 不予受理."""
    if suggestion.status in ("replied", "declined") or problem_declined(suggestion):
        return True
    return suggestion.problem is not None and suggestion.problem.state in DONE_STATES


def give_verdict(suggestion: Suggestion, verdict: str, note: str = "",
                 desk: User | None = None) -> None:
    """满意 / 基本满意 / 不满意: the citizen's (with the code), or recorded by the desk at 回访."""
    if desk is not None:
        _desk_only(desk)
        if suggestion.problem is not None and not problem_declined(suggestion):
            raise Conflict("该建议已转为问题办理，请在问题页“回访”记录群众评价"
                           "（不满意时重新办理）。")
    if verdict not in VERDICTS:
        raise InvalidInput("请选择评价：满意、基本满意或不满意。", field="verdict")
    if not is_finished(suggestion):
        raise Conflict("建议尚在办理中，办结或答复后才能评价。")
    if desk is None and suggestion.verdict is not None:
        raise Conflict("您已评价过，谢谢。")
    note = (note or "").strip()
    if len(note) > REPLY_MAX:
        raise InvalidInput(f"意见最多 {REPLY_MAX} 字。", field="note")
    suggestion.verdict = verdict
    suggestion.verdict_note = note
    suggestion.verdict_source = "desk" if desk is not None else "citizen"
    suggestion.verdict_at = now()
    if desk is None:
        tell_desk(f"群众评价“{VERDICTS[verdict]}”：{suggestion.short_text}"
                  + (f"（{note[:60]}）" if note else ""), suggestion)


def get_or_404(suggestion_id: int, user: User) -> Suggestion:
    suggestion = db.session.get(Suggestion, suggestion_id)
    if suggestion is None or not may_view(suggestion, user):
        raise Missing("该建议不存在或您无权查看。")
    return suggestion
