"""问题反映 pages: the list (台账) with exports, one problem, workflow steps, 我的待办."""
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from ..accounts.auth import role_required
from ..accounts.models import Unit
from ..accounts.views import safe_next
from ..extensions import db
from ..textnorm import page_number
from ..timeutil import now
from . import ledger
from .forms import ActionForm
from .models import SATISFACTION, STATES, Problem
from .queries import (
    ProblemFilters,
    events_of,
    load_problem,
    problem_list_query,
    problems_matching,
    salon_months,
    todo_lists,
    units_for_assignment,
)
from .services import ProblemError, take_step

bp = Blueprint("problems", __name__, url_prefix="/problems")


@bp.route("/")
@login_required
def index():
    """问题台账: every problem, filtered by state, unit, salon, overdue and period."""
    filters = ProblemFilters.from_args(request.args)
    page = db.paginate(problem_list_query(filters), page=page_number(),
                       per_page=current_app.config["POSTS_PER_PAGE"], error_out=False)
    return render_template("problems/index.html", page=page, filters=filters, states=STATES,
                           units=units_for_assignment(), salons=salon_months(),
                           satisfaction=SATISFACTION)


@bp.route("/export.<any(xlsx, csv):fmt>")
@role_required("leader", "organizer")
def export(fmt: str):
    """The ledger (台账) under the current filters as an Excel workbook or a CSV file."""
    filters = ProblemFilters.from_args(request.args)
    problems = problems_matching(filters, with_details=True)
    stamp = now().strftime("%Y%m%d")
    if fmt == "xlsx":
        body = ledger.workbook_bytes(problems, events_of(problems))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, mimetype = ledger.csv_bytes(problems), "text/csv; charset=utf-8"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": ledger.attachment_header(f"问题台账-{stamp}.{fmt}")})


@bp.route("/<int:problem_id>")
@login_required
def detail(problem_id: int):
    """A problem lives on its post's page (the report, the tracking panel, the comments)."""
    problem = db.session.get(Problem, problem_id) or abort(404)
    return redirect(url_for("posts.detail", post_id=problem.post_id))


@bp.route("/<int:problem_id>/act", methods=["POST"])
@login_required
def act(problem_id: int):
    """Take one workflow step; 403 when the role or the state does not allow it."""
    problem = load_problem(problem_id) or abort(404)
    form = ActionForm()
    back = safe_next(form.next.data or url_for("posts.detail", post_id=problem.post_id))
    if not form.validate():
        for message in form.error_messages():
            flash(message, "danger")
        return redirect(back)
    try:
        take_step(problem, current_user, form.action.data,
                  form.step_input(lambda unit_id: db.session.get(Unit, unit_id)))
    except ProblemError as error:
        db.session.rollback()
        if error.status in (403, 409):
            abort(403, str(error))  # the site answers every refused step with 403
        flash(str(error), "danger")
        return redirect(back)
    db.session.commit()
    flash(f"已{ACTION_DONE.get(form.action.data, '保存')}。", "success")
    return redirect(back)


ACTION_DONE = {"accept": "受理", "decline": "不予采纳", "assign": "交办", "instruct": "批示",
               "start": "开始办理", "progress": "记录办理进展", "resolve": "办结",
               "confirm": "确认办结", "dispute": "提出异议，问题已重新办理", "cosign": "附议"}


@bp.route("/todo")
@login_required
def todo():
    """我的待办: what waits for the signed-in user."""
    return render_template("problems/todo.html", lists=todo_lists(current_user))
