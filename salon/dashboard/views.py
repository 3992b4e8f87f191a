"""看板: the leadership dashboard (leaders and organizers)."""
from flask import Blueprint, render_template, request, url_for

from ..accounts.auth import role_required
from ..bulletin import distribution
from ..problems.models import SATISFACTION, STATES
from ..problems.queries import ProblemFilters, units_for_assignment
from ..salons import topics
from . import charts
from .services import build_dashboard

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.route("/")
@role_required("leader", "organizer")
def index():
    """Figures and charts for a period and a responsible unit; each links to its list."""
    board = build_dashboard(ProblemFilters.from_args(request.args))
    scope = board.filters

    def problems_url(**changes) -> str:
        return url_for("problems.index", **scope.to_args(**changes))

    svgs = {
        "state": charts.problems_by_state_svg(board.by_state, lambda s: problems_url(state=s)),
        "unit": charts.problems_by_unit_svg(
            [(r.unit.name, r.open, r.done, r.overdue) for r in board.by_unit if r.unit],
            _by_name({r.unit.name: r.unit.id for r in board.by_unit if r.unit}, problems_url)),
        "salon": charts.problems_by_salon_svg(board.by_salon, lambda m: problems_url(salon=m)),
        "satisfaction": charts.satisfaction_svg(
            board.satisfaction, lambda k: problems_url(satisfaction=k)),
        "participation": charts.participation_svg(
            [(p.unit.name, p.per_officer(p.posts) or 0, p.per_officer(p.problems) or 0,
              p.per_officer(p.attended) or 0) for p in board.participation]),
    }
    trend_months, trend_rows = topics.trend(topics.suggest_topics(), topics.DEFAULT_MONTHS)
    bulletin = distribution.latest_published()
    reads = (bulletin, distribution.read_rates(bulletin, with_names=False)) if bulletin else None
    return render_template("dashboard/index.html", board=board, svgs=svgs, states=STATES,
                           reads=reads,
                           satisfaction=SATISFACTION, units=units_for_assignment(),
                           problems_url=problems_url, trend_months=trend_months,
                           trend_rows=trend_rows)


def _by_name(ids: dict[str, int], problems_url):
    return lambda name: problems_url(unit=ids[name]) if name in ids else None
