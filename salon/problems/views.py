"""问题反映 pages: the list (台账) with exports, one problem, workflow steps, 我的待办."""
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from ..accounts.auth import role_required
from ..accounts.models import Unit
from ..accounts.views import safe_next
from ..errors import InvalidInput
from ..extensions import db
from ..timeutil import now
from . import ledger
from .forms import ActionForm
from .models import Problem
from .queries import (
    TODO_KINDS,
    ProblemFilters,
    events_of,
    load_problem,
    problem_list_query,
    problems_matching,
    salon_months,
    todo_lists,
    units_for_assignment,
)
from .services import take_step
from .workflow import SATISFACTION, STATES, STEPS

bp = Blueprint("problems", __name__, url_prefix="/problems")


@bp.route("/")
@login_required
def index():
    """问题台账: every problem, filtered by state, unit, salon, overdue and period."""
    filters = ProblemFilters.from_args(request.args)
    page = db.paginate(problem_list_query(filters), per_page=current_app.config["POSTS_PER_PAGE"],
                       error_out=False)
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
    """Take one workflow step: 403 for the wrong person, 409 when the state (or a concurrent
    step) does not allow it; bad input shows the page again with everything typed kept."""
    problem = load_problem(problem_id) or abort(404)
    form = ActionForm()
    back = safe_next(form.next.data or url_for("posts.detail", post_id=problem.post_id))
    if not form.validate():
        return _redisplay(problem, form, form.error_messages())
    try:
        take_step(problem, current_user, form.action.data,
                  form.step_input(lambda unit_id: db.session.get(Unit, unit_id)))
    except InvalidInput as error:
        db.session.rollback()
        return _redisplay(problem, form, [error.message])
    db.session.commit()
    flash(f"已{STEPS[form.action.data].done}。", "success")
    return redirect(back)


def _redisplay(problem: Problem, form: ActionForm, messages: list[str]):
    """The post page again, with the errors and the step's form open and filled in (400)."""
    for message in messages:
        flash(message, "danger")
    g.problem_draft = {"action": form.action.data, "values": request.form.to_dict()}
    post_page = current_app.view_functions["posts.detail"]  # the problem lives on its post's page
    return post_page(post_id=problem.post_id), 400


@bp.route("/todo")
@login_required
def todo():
    """我的待办: what waits for the signed-in user."""
    lists = todo_lists(current_user)
    total = len({p.id for problems in lists.values() for p in problems})
    return render_template("problems/todo.html", lists=lists, kinds=TODO_KINDS, total=total)
