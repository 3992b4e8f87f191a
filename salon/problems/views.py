"""问题反映 pages: the list (台账) with exports, one problem, workflow steps, 我的待办."""
import tempfile

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from ..accounts.auth import role_required
from ..accounts.models import Unit
from ..accounts.views import safe_next
from ..extensions import db
from ..paging import Paging, paginate, paging_from
from ..timeutil import now
from ..todo import sections_for
from . import ledger
from .access import LEDGER_ROLES
from .forms import ActionForm
from .models import SATISFACTION, STATES, Problem
from .queries import (
    ProblemFilters,
    load_problem,
    problem_list_query,
    problems_in_batches,
    salon_months,
    todo_lists,
    units_for_assignment,
)
from .services import ProblemError, take_step

bp = Blueprint("problems", __name__, url_prefix="/problems")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/")
@login_required
def index():
    """问题台账: every problem, filtered by state, unit, salon, overdue and period."""
    filters = ProblemFilters.from_args(request.args)
    page = paginate(problem_list_query(filters),
                    paging_from(default=current_app.config["POSTS_PER_PAGE"]))
    return render_template("problems/index.html", page=page, filters=filters, states=STATES,
                           units=units_for_assignment(), salons=salon_months(),
                           satisfaction=SATISFACTION)


@bp.route("/export.<any(xlsx, csv):fmt>")
@role_required(*LEDGER_ROLES)
def export(fmt: str):
    """The ledger (台账) under the current filters as an Excel workbook or a CSV file."""
    filters = ProblemFilters.from_args(request.args)
    headers = {"Content-Disposition": ledger.attachment_header(
        f"问题台账-{now():%Y%m%d}.{fmt}")}
    batches = problems_in_batches(filters)
    if fmt == "csv":  # streamed: the first rows leave before the last are read
        lines = (line.encode("utf-8") for line in ledger.csv_lines(batches))
        return Response(stream_with_context(lines), mimetype="text/csv; charset=utf-8",
                        headers=headers)
    # The zip of an .xlsx is only complete at the end: written to a temporary file a batch
    # at a time (write-only mode), then sent from there.
    spool = tempfile.TemporaryFile()
    ledger.write_workbook(spool, batches)
    headers["Content-Length"] = str(spool.tell())
    spool.seek(0)
    return Response(_read_and_close(spool), mimetype=XLSX, headers=headers)


def _read_and_close(spool, size: int = 1 << 16):
    """The file's bytes in pieces; the file is closed (and gone) once sent or abandoned."""
    with spool:
        while piece := spool.read(size):
            yield piece


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
    asked = paging_from(default=current_app.config["POSTS_PER_PAGE"])

    def paging_of(kind: str) -> Paging:
        return asked if request.args.get("kind") == kind else Paging(1, asked.limit)

    return render_template("problems/todo.html", lists=todo_lists(current_user, paging_of),
                           others=sections_for(current_user, paging_of))
