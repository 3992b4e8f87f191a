"""`GET /api/assessments/PERIOD`: the ranking, as `flask assess compute --json` prints it."""
from flask import jsonify
from flask_login import current_user

from ..api import bp
from ..errors import NotAllowed
from .services import as_json, assess, may_view_all


@bp.get("/assessments/<period>")
def assessment_ranking(period: str):
    """The ranked units of a period (leaders and organizers)."""
    if not may_view_all(current_user):
        raise NotAllowed("只有局领导和组织者可以查看考核排名。")
    return jsonify(as_json(assess(period)))
