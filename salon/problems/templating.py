"""What templates outside this feature call: the post page's panel, the nav badge, the home list."""
from flask import Flask
from flask_login import current_user

from .. import todo
from ..accounts.models import User
from .forms import FIGURE_ROWS
from .models import CONFIRMING, DISPUTING, SATISFACTION, Problem
from .queries import DUE_SOON_DAYS, due_soon_and_overdue, todo_count, units_for_assignment
from .workflow import available_steps


def panel_context(problem: Problem) -> dict:
    """The actions the current user may take on this problem now, and what their forms need."""
    steps = {step.action: step for step in available_steps(problem, current_user)}
    cosigned = current_user.is_authenticated and any(
        c.user_id == current_user.id for c in problem.cosigns)
    if cosigned:
        steps.pop("cosign", None)
    return {
        "steps": steps,
        "units": units_for_assignment() if "assign" in steps else [],
        "figure_rows": range(FIGURE_ROWS),
        "confirming": [(k, SATISFACTION[k]) for k in CONFIRMING],
        "disputing": [(k, SATISFACTION[k]) for k in DISPUTING],
        "cosigned": cosigned,
    }


def nav_todo_count() -> int:
    """The badge: the problems waiting on the user and what other features registered."""
    if not current_user.is_authenticated:
        return 0
    return todo_count(current_user) + todo.count_for(current_user)


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
                "problems_due_list": home_due_list, "problems_due_days": DUE_SOON_DAYS}
