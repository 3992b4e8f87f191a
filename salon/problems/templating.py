"""What templates outside this feature call: the post page's panel, the nav badge, the home list."""
from flask import Flask, g
from flask_login import current_user

from .. import todo
from ..accounts.models import User
from .dubandan import may_print
from .forms import FIGURE_ROWS
from .models import Problem
from .queries import DUE_SOON_DAYS, due_soon_and_overdue, todo_count, units_for_assignment
from .rules import figures_text
from .workflow import FIELD_LABELS, SATISFACTION, SOLVED, VERDICTS, available_steps


def panel_context(problem: Problem) -> dict:
    """The actions the current user may take on this problem now, and what their forms need."""
    steps = {step.action: step for step in available_steps(problem, current_user)}
    cosigned = current_user.is_authenticated and any(
        c.user_id == current_user.id for c in problem.cosigns)
    if cosigned:
        steps.pop("cosign", None)
    draft = getattr(g, "problem_draft", None) or {}
    return {
        "steps": steps,
        "units": units_for_assignment() if {"assign", "reassign"} & set(steps) else [],
        "figure_rows": range(FIGURE_ROWS),
        "choices": {
            "satisfaction": {"confirm": [(k, SATISFACTION[k]) for k in ("satisfied", "basically")],
                             "revisit": list(SATISFACTION.items())},
            "solved": {"dispute": [(k, SOLVED[k]) for k in ("partly", "unsolved")],
                       "*": list(SOLVED.items())},
            "verdict": {"*": list(VERDICTS.items())},
        },
        "labels": FIELD_LABELS,
        "open_stages": [s for s in problem.stages if s.done_at is None],
        "draft_action": draft.get("action"),
        "draft": draft.get("values", {}),
        "draft_errors": draft.get("errors", {}),
        "cosigned": cosigned,
        "may_print": may_print(current_user, problem),
    }


def nav_todo_count() -> int:
    """The badge: the problems waiting on the user and what other features registered."""
    if not current_user.is_authenticated:
        return 0
    if "todo_count" not in g:  # the bar and the 我的待办 heading ask once per request
        g.todo_count = todo_count(current_user) + todo.count_for(current_user)
    return g.todo_count


def home_due_list() -> list[Problem]:
    """Due in 3 days or overdue: all of them for leaders, the user's unit's for the others."""
    user: User = current_user
    if not user.is_authenticated:
        return []
    unit_id = None if user.has_role("leader", "organizer") else user.unit_id
    return due_soon_and_overdue(unit_id, limit=10)


def init_app(app: Flask) -> None:
    @app.context_processor
    def problem_helpers() -> dict:
        return {"problem_panel": panel_context, "problems_todo_count": nav_todo_count,
                "figures_text": figures_text,
                "problems_due_list": home_due_list, "problems_due_days": DUE_SOON_DAYS}
