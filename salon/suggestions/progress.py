"""What a citizen sees with the query code: status, progress, replies, the verdict — never
the contact or an officer's name (the public app's page and its JSON API share this)."""
from .models import VERDICTS, Suggestion, format_code
from .services import is_finished

# A linked problem's state as the citizen reads it; a state not listed reads as 办理中.
PROBLEM_PROGRESS = {
    "raised": "已采纳，待交办", "accepted": "已采纳，待交办", "assigned": "已交办责任单位",
    "in_progress": "办理中", "resolved": "已办结", "confirmed": "已办结",
    "declined": "经研究暂不立项",
}


def progress_text(suggestion: Suggestion) -> str:
    problem = suggestion.problem
    if problem is None:
        return {"new": "已收到，正在研究", "replied": "已答复", "declined": "不予采纳"}.get(
            suggestion.status, suggestion.status_label)
    return PROBLEM_PROGRESS.get(problem.state, "办理中")


def citizen_view(suggestion: Suggestion) -> dict:
    """The answer to a query code (JSON-ready)."""
    problem = suggestion.problem
    done = is_finished(suggestion)
    unit = problem.responsible_unit if problem is not None else None
    closed = problem is not None and problem.state in ("resolved", "confirmed")
    outcome = problem.outcome if closed else ""
    # 成效: what the handling measurably changed (新增探头 16 组), with the outcome.
    figures = [{"label": f.label, "value": f.value, "unit": f.unit}
               for f in problem.figures] if closed else []
    return {
        "code": format_code(suggestion.code),
        "received_on": suggestion.received_on.isoformat(),
        "channel": suggestion.channel_label,
        "text": suggestion.text,
        "status": suggestion.status,
        "status_label": suggestion.status_label,
        "progress": progress_text(suggestion),
        "responsible_unit": unit.name if unit is not None else None,
        "outcome": outcome,
        "figures": figures,
        "decline_reason": suggestion.decline_reason if suggestion.status == "declined"
        else problem.decline_reason if problem is not None and problem.state == "declined" else "",
        "replies": [{"text": r.text, "at": r.at.isoformat(timespec="minutes")}
                    for r in suggestion.replies],
        "finished": done,
        "verdict": suggestion.verdict,
        "verdict_label": VERDICTS.get(suggestion.verdict or "", ""),
        "may_give_verdict": done and suggestion.verdict is None,
    }
