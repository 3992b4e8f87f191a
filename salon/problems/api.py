"""Problems in the JSON API: list, one problem, take a workflow step."""
from datetime import date

from flask import abort, request
from flask_login import current_user

from ..accounts.models import Unit
from ..api import bp
from ..errors import InvalidInput
from ..extensions import db
from ..paging import page_json, paginate, paging_from
from ..textnorm import INT_MAX, finite, sane_date
from .access import list_row, sees_full_ledger
from .inputs import Figure, StepInput
from .models import Problem
from .queries import (
    TODO_KINDS,
    ProblemFilters,
    load_problem,
    problem_list_query,
    todo_count,
    todo_lists,
)
from .services import take_step


def problem_json(problem: Problem, details: bool = True) -> dict:
    """Everything about a problem, with its instructions, figures and full event list
    (without `details`: the list's columns only, see access.LIST_FIELDS)."""
    summary = {
        "id": problem.id,
        "post_id": problem.post_id,
        "title": problem.post.title,
        "reporter": problem.post.author.name,
        "reporter_unit": problem.post.unit.name,
        "salon": problem.post.salon.month if problem.post.salon else None,
        "source": problem.source,
        "state": problem.state,
        "state_label": problem.state_label,
        "overdue": problem.is_overdue,
        "unit": problem.responsible_unit.name if problem.responsible_unit else None,
        "unit_id": problem.responsible_unit_id,
        "deadline": problem.deadline.isoformat() if problem.deadline else None,
        "cosign_count": problem.cosign_count,
        "created_at": problem.created_at.isoformat(),
    }
    if not details:
        return summary
    return {
        **summary,
        "scan": problem.scan, "analysis": problem.analysis, "proposal": problem.proposal,
        "instruction": problem.instructions[-1].text if problem.instructions else None,
        "instructions": [{"leader": i.leader.name, "at": i.at.isoformat(), "text": i.text}
                         for i in problem.instructions],
        "outcome": problem.outcome or None,
        "figures": [{"label": f.label, "value": f.value, "unit": f.unit} for f in problem.figures],
        "satisfaction": problem.satisfaction,
        "solved": problem.solved,
        # the citizen's verdict on the standing result; one on a reopened result is history
        # (its 回访 event and earlier_results keep it)
        "revisit": ({"satisfaction": problem.revisit_satisfaction, "solved": problem.revisit_solved}
                    if problem.revisit_is_current else None),
        "reopen_count": problem.reopen_count,
        "extension_request": ({"until": problem.extension_until.isoformat(),
                               "reason": problem.extension_reason}
                              if problem.extension_until else None),
        "escalated_to": problem.escalated_to or None,
        "stages": [{"id": s.id, "title": s.title, "due": s.due.isoformat(),
                    "done_at": _iso(s.done_at), "overdue": s.is_overdue, "figures": s.figures or []}
                   for s in problem.stages],
        "earlier_results": [{"round": r.round, "heading": r.heading, "outcome": r.outcome,
                             "figures": r.figures or [], "reported_at": _iso(r.reported_at),
                             "resolved_at": _iso(r.resolved_at), "ended": r.ended,
                             "ended_at": _iso(r.ended_at), "note": r.ended_note}
                            for r in problem.results],
        "reviews": [{"at": v.at.isoformat(), "verdict": v.verdict, "note": v.note,
                     "figures": v.figures or []} for v in problem.reviews],
        "review_due": _iso(problem.review_due) if problem.is_done else None,
        "assigned_at": _iso(problem.assigned_at),
        "signed_at": _iso(problem.signed_at),
        "reported_at": _iso(problem.reported_at),
        "resolved_at": _iso(problem.resolved_at),
        "events": [{"id": e.id, "at": e.at.isoformat(), "actor": e.actor.name, "action": e.action,
                    "action_label": e.action_label, "from": e.from_state, "to": e.to_state,
                    "note": e.note, "data": e.data or {}}
                   for e in problem.events],
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None


@bp.get("/problems")
def list_problems():
    """`?state=&unit=&overdue=1&page=&limit=` (unit by id or name), plus the site's other
    filters; one page. Every field for the desk and leaders, the list's columns for others."""
    paging = paging_from(strict=True)
    args = request.args.copy()
    unit = args.get("unit", "")
    if unit and not unit.isdigit():
        found = db.session.scalar(db.select(Unit.id).filter_by(name=unit))
        if found is None:
            return {"total": 0, "page": paging.page, "limit": paging.limit, "pages": 0,
                    "problems": []}
        args["unit"] = str(found)
    full = sees_full_ledger(current_user)
    page = paginate(problem_list_query(ProblemFilters.from_args(args), with_details=full),
                    paging)
    return {**page_json(page),
            "problems": [list_row(problem_json(p, full), current_user) for p in page.items]}


@bp.get("/problems/<int:problem_id>")
def get_problem(problem_id: int):
    problem = load_problem(problem_id)
    if problem is None or problem.post.status != "submitted":
        abort(404, "问题不存在。")
    return problem_json(problem)


@bp.post("/problems/<int:problem_id>/events")
def add_event(problem_id: int):
    """Take one step: 200 with the new state, 400 bad input, 403 role, 409 state."""
    problem = load_problem(problem_id)
    if problem is None or problem.post.status != "submitted":
        abort(404, "问题不存在。")
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("action"), str):
        abort(400, "请求须为 JSON，并包含 action。")
    take_step(problem, current_user, payload["action"], step_input_from(payload))
    db.session.commit()
    return {"id": problem.id, "state": problem.state, "state_label": problem.state_label,
            "problem": problem_json(problem)}


TEXT_FIELDS = ("note", "outcome", "body")
CHOICE_FIELDS = ("satisfaction", "solved", "verdict")


def step_input_from(payload: dict) -> StepInput:
    """Parse the JSON fields a step may use; a malformed field is a 400 with its name."""
    values = {}
    for name in TEXT_FIELDS + CHOICE_FIELDS:
        value = payload.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidInput(f"{name} 须为文本。", field=name)
        values[name] = value or ("" if name in TEXT_FIELDS else None)
    stage = payload.get("stage")
    if stage is not None and (isinstance(stage, bool) or not isinstance(stage, int | str)
                              or isinstance(stage, int) and not 0 < stage <= INT_MAX):
        raise InvalidInput("stage 须为阶段编号（整数）或新阶段名称（文本）。", field="stage")
    return StepInput(**values, unit=_unit(payload.get("unit")),
                     deadline=_deadline(payload.get("deadline")),
                     figures=_figures(payload.get("figures")), stage=stage or None,
                     stage_due=_deadline(payload.get("stage_due"), "stage_due"))


def _unit(value) -> Unit | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        unit = db.session.get(Unit, value) if 0 < value <= INT_MAX else None
    elif isinstance(value, str):
        unit = db.session.scalar(db.select(Unit).filter_by(name=value.strip()))
    else:
        unit = None
    if unit is None:
        raise InvalidInput(f"unit：单位不存在：{value}。", field="unit")
    return unit


def _deadline(value, name: str = "deadline") -> date | None:
    if value in (None, ""):
        return None
    try:
        return sane_date(date.fromisoformat(value), name)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} 须为 YYYY-MM-DD 格式的日期。", field=name) from None


def _figures(value) -> list[Figure]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise InvalidInput("figures 须为列表：[{\"label\", \"value\", \"unit\"}]。",
                           field="figures")
    figures = []
    for item in value:
        number = item.get("value") if isinstance(item, dict) else None
        label = item.get("label") if isinstance(item, dict) else None
        if not isinstance(label, str) or not label.strip() or isinstance(number, bool) \
                or not isinstance(number, int | float):
            raise InvalidInput("figures：每项成效数据须有 label（文本）和 value（数字）。",
                               field="figures")
        figures.append(Figure(label, finite(float(number), "value"), str(item.get("unit") or "")))
    return figures



@bp.get("/me/todo")
def my_todo():
    """What waits on me, by kind: `{"total", "kinds": [{"kind", "title", "total", "problems"}]}`
    (`page`/`limit` page every kind's problems; `total` counts each problem once)."""
    paging = paging_from(strict=True)
    pages = todo_lists(current_user, lambda kind: paging)
    return {"total": todo_count(current_user), "kinds": [
        {"kind": kind, "title": TODO_KINDS[kind][1], "total": page.total,
         "problems": [_brief(p) for p in page.items]} for kind, page in pages.items()]}


def _brief(problem: Problem) -> dict:
    return {"id": problem.id, "title": problem.post.title, "state": problem.state,
            "state_label": problem.state_label, "overdue": problem.is_overdue,
            "unit": problem.responsible_unit.name if problem.responsible_unit else None,
            "deadline": _iso(problem.deadline)}
