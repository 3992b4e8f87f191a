"""What each step of the work order does to a problem, after the table allowed it."""
from datetime import timedelta

from flask import current_app

from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..timeutil import now, today, zh_date
from .inputs import MAX_FIGURES, Figure, Outcome, StepInput, format_value
from .models import (
    CoSign,
    Instruction,
    OutcomeFigure,
    Problem,
    ProblemResult,
    ProblemReview,
    ProblemStage,
)
from .workflow import FIELD_LABELS, SATISFACTION, SOLVED, VERDICTS


def _text(value: str | None, limit: int = 5000) -> str:
    return (value or "").strip()[:limit]


def _choice(name: str, value: str | None, allowed: dict, keys=None) -> str:
    keys = keys or tuple(allowed)
    if value not in keys:
        choices = "、".join(allowed[k] for k in keys)
        raise InvalidInput(f"请选择{FIELD_LABELS[name]}：{choices}。", field=name)
    return value


def _figures(figures: list[Figure], what: str) -> list[dict]:
    """Checked figures as plain data: at least one, each with a number."""
    given = [f for f in figures if f.label.strip()]
    if not given:
        raise InvalidInput(f"{what}须至少填写一项成效数据（如：新增探头 16 组）。", field="figures")
    if any(f.value is None for f in given):
        raise InvalidInput("请填写每项成效的数值。", field="figures")
    if len(given) > MAX_FIGURES:
        raise InvalidInput(f"成效数据最多 {MAX_FIGURES} 项。", field="figures")
    return [{"label": f.label.strip()[:100], "value": f.value, "unit": (f.unit or "").strip()[:20]}
            for f in given]


def figures_text(figures: list[dict] | None) -> str:
    return "；".join(f"{f['label']} {format_value(f['value'])}{f['unit']}" for f in figures or [])


def _future(value, name: str = "deadline"):
    if value < today():
        raise InvalidInput(f"{FIELD_LABELS[name]}不能早于今天。", field=name)
    return value


def _unit(data: StepInput):
    unit = data.unit
    if not unit.can_be_responsible:
        raise InvalidInput(f"{unit.name}不能作为责任单位。", field="unit")
    return unit


def archive_result(problem: Problem, ended: str, note: str) -> None:
    """The current result becomes history (第N次办结 … 被提出异议); nothing current remains."""
    if not (problem.outcome or problem.reported_at):
        return
    problem.results.append(ProblemResult(
        round=len(problem.results) + 1, outcome=problem.outcome,
        figures=[{"label": f.label, "value": f.value, "unit": f.unit} for f in problem.figures],
        reported_at=problem.reported_at, resolved_at=problem.resolved_at,
        satisfaction=problem.satisfaction, solved=problem.solved, ended=ended, ended_at=now(),
        ended_note=note))
    problem.outcome = ""
    problem.figures.clear()
    problem.reported_at = problem.resolved_at = problem.closed_at = None
    problem.satisfaction = problem.solved = None
    problem.review_due = None


def _reopen(problem: Problem, ended: str, note: str) -> None:
    archive_result(problem, ended, note)
    problem.reopen_count += 1


def accept(problem, actor, data):
    return Outcome(_text(data.note) or "已受理")


def decline(problem, actor, data):
    problem.decline_reason = _text(data.note)
    problem.closed_at = now()
    return Outcome(problem.decline_reason)


def _hand_to_unit(problem, data, verb: str) -> Outcome:
    unit, deadline = _unit(data), _future(data.deadline)
    moved = {"unit": unit.name, "deadline": deadline.isoformat()}
    if problem.deadline:
        moved["previous_deadline"] = problem.deadline.isoformat()
    if problem.responsible_unit and problem.responsible_unit_id != unit.id:
        moved["previous_unit"] = problem.responsible_unit.name
    problem.responsible_unit, problem.deadline = unit, deadline
    problem.assigned_at, problem.signed_at = now(), None
    problem.extension_until, problem.extension_reason = None, ""
    summary = f"{verb}{unit.name}，办理时限 {zh_date(deadline)}。"
    return Outcome(summary + _text(data.note), moved)


def assign(problem, actor, data):
    return _hand_to_unit(problem, data, "交办")


def reassign(problem, actor, data):
    return _hand_to_unit(problem, data, "改派")


def sign(problem, actor, data):
    problem.signed_at = now()
    return Outcome(_text(data.note) or "已签收，开始办理")


def return_(problem, actor, data):
    unit = problem.responsible_unit
    problem.responsible_unit, problem.deadline = None, None
    problem.assigned_at = problem.signed_at = None
    return Outcome(_text(data.note), {"unit": unit.name if unit else ""})


def progress(problem, actor, data):
    note = _text(data.note)
    if isinstance(data.stage, int):
        stage = next((s for s in problem.stages if s.id == data.stage), None)
        if stage is None:
            raise InvalidInput("该问题没有这个阶段。", field="stage")
        if stage.done_at is not None:
            raise InvalidInput(f"阶段“{stage.title}”已完成。", field="stage")
        stage.figures = _figures(data.figures, "完成阶段")
        stage.done_at, stage.note = now(), note
        return Outcome(f"完成阶段“{stage.title}”（{figures_text(stage.figures)}）。{note}",
                       {"stage": stage.title, "figures": stage.figures})
    if isinstance(data.stage, str) and data.stage.strip():
        if data.stage_due is None:
            raise InvalidInput("请填写阶段时限。", field="stage_due")
        title = data.stage.strip()[:200]
        problem.stages.append(ProblemStage(title=title, due=_future(data.stage_due, "stage_due")))
        return Outcome(f"制定阶段“{title}”，时限 {zh_date(data.stage_due)}。{note}",
                       {"stage": title, "stage_due": data.stage_due.isoformat()})
    if any(f.label.strip() for f in data.figures):
        raise InvalidInput("阶段成效数据须指明是哪一个阶段。", field="stage")
    return Outcome(note)


def report(problem, actor, data):
    figures = _figures(data.figures, "报结")
    problem.outcome = _text(data.outcome)
    problem.figures.clear()
    for figure in figures:
        problem.figures.append(OutcomeFigure(**figure))
    problem.reported_at = now()
    note = "；".join(filter(None, [problem.outcome, _text(data.note)]))
    return Outcome(f"{note}（{figures_text(figures)}）", {"figures": figures})


def approve(problem, actor, data):
    problem.resolved_at = now()
    days = current_app.config["REVIEW_AFTER_DAYS"]
    problem.review_due = today() + timedelta(days=days)
    return Outcome(_text(data.note) or "审核通过，予以办结",
                   {"review_due": problem.review_due.isoformat()})


def reject(problem, actor, data):
    note = _text(data.note)
    archive_result(problem, "rejected", note)
    return Outcome(note)


def confirm(problem, actor, data):
    problem.satisfaction = _choice("satisfaction", data.satisfaction, SATISFACTION,
                                   ("satisfied", "basically"))
    problem.solved = _choice("solved", data.solved, SOLVED)
    problem.closed_at = now()
    said = f"{SATISFACTION[problem.satisfaction]}，{SOLVED[problem.solved]}"
    return Outcome("；".join(filter(None, [said, _text(data.note)])),
                   {"satisfaction": problem.satisfaction, "solved": problem.solved})


def dispute(problem, actor, data):
    if data.solved is not None:
        _choice("solved", data.solved, SOLVED, ("partly", "unsolved"))
    reason = _text(data.note)
    problem.satisfaction, problem.solved = "unsatisfied", data.solved or "unsolved"
    _reopen(problem, "disputed", reason)
    return Outcome(f"不满意；{reason}", {"satisfaction": "unsatisfied",
                                       "solved": data.solved or "unsolved"}, reopened=True)


def _new_deadline(data: StepInput, why: str):
    if data.deadline is None:
        raise InvalidInput(f"{why}，请填写新的办理时限。", field="deadline")
    return _future(data.deadline)


def revisit(problem, actor, data):
    satisfaction = _choice("satisfaction", data.satisfaction, SATISFACTION)
    solved = _choice("solved", data.solved, SOLVED)
    said = f"群众评价：{SATISFACTION[satisfaction]}，{SOLVED[solved]}"
    note = "；".join(filter(None, [said, _text(data.note)]))
    found = {"satisfaction": satisfaction, "solved": solved}
    reopened = satisfaction == "unsatisfied"
    if reopened:
        deadline = _new_deadline(data, "群众不满意须重新办理")
        _reopen(problem, "revisit", note)
        found.update(deadline=deadline.isoformat(), previous_deadline=_iso(problem.deadline))
        problem.deadline = deadline
    problem.revisit_satisfaction, problem.revisit_solved = satisfaction, solved
    return Outcome(note, found, reopened=reopened)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def review(problem, actor, data):
    verdict = _choice("verdict", data.verdict, VERDICTS)
    figures = _figures(data.figures, "回头看")
    note = f"{VERDICTS[verdict]}（{figures_text(figures)}）。{_text(data.note)}"
    problem.reviews.append(ProblemReview(actor=actor, at=now(), verdict=verdict,
                                         note=_text(data.note), figures=figures))
    found = {"verdict": verdict, "figures": figures}
    problem.review_due = None
    if verdict == "relapsed":
        deadline = _new_deadline(data, "反弹须重新办理")
        _reopen(problem, "relapsed", note)
        found.update(deadline=deadline.isoformat(), previous_deadline=_iso(problem.deadline))
        problem.deadline, problem.signed_at = deadline, now()
    return Outcome(note, found, reopened=verdict == "relapsed")


def instruct(problem, actor, data):
    text = _text(data.note)
    db.session.add(Instruction(problem=problem, leader=actor, text=text, at=now()))
    return Outcome(text)


def urge(problem, actor, data):
    return Outcome(_text(data.note) or "请抓紧办理。")


def request_extension(problem, actor, data):
    wanted = _future(data.deadline)
    if problem.deadline and wanted <= problem.deadline:
        raise InvalidInput(f"延期后的时限须晚于现时限 {zh_date(problem.deadline)}。",
                           field="deadline")
    problem.extension_until, problem.extension_reason = wanted, _text(data.note)
    return Outcome(f"申请延期至 {zh_date(wanted)}：{problem.extension_reason}",
                   {"requested": wanted.isoformat()})


def approve_extension(problem, actor, data):
    moved = {"deadline": problem.extension_until.isoformat(),
             "previous_deadline": _iso(problem.deadline)}
    problem.deadline = problem.extension_until
    problem.extension_until, problem.extension_reason = None, ""
    note = f"同意延期，办理时限调整为 {zh_date(problem.deadline)}。{_text(data.note)}"
    return Outcome(note, moved)


def deny_extension(problem, actor, data):
    asked = problem.extension_until
    problem.extension_until, problem.extension_reason = None, ""
    return Outcome(f"不同意延期至 {zh_date(asked)}：{_text(data.note)}",
                   {"requested": asked.isoformat()})


def escalate(problem, actor, data):
    problem.escalated_to, problem.escalated_at = _text(data.body, 100), now()
    return Outcome(f"提请{problem.escalated_to}：{_text(data.note)}",
                   {"body": problem.escalated_to})


def cosign(problem, actor, data):
    exists = db.session.scalar(
        db.select(CoSign.id).filter_by(problem_id=problem.id, user_id=actor.id))
    if exists:
        raise Conflict("您已附议过该问题。")
    db.session.add(CoSign(problem=problem, user=actor, at=now()))
    return Outcome(_text(data.note, 500) or "附议")


APPLY = {
    "accept": accept, "decline": decline, "assign": assign, "sign": sign, "return": return_,
    "reassign": reassign, "progress": progress, "report": report, "approve": approve,
    "reject": reject, "confirm": confirm, "dispute": dispute, "revisit": revisit,
    "review": review, "instruct": instruct, "urge": urge,
    "request_extension": request_extension, "approve_extension": approve_extension,
    "deny_extension": deny_extension, "escalate": escalate, "cosign": cosign,
}
