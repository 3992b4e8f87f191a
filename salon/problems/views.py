"""问题反映 pages: the list (台账) with exports, one problem, workflow steps, 我的待办."""
import tempfile

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
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
from ..errors import Conflict, InvalidInput, NotAllowed
from ..extensions import db
from ..paging import Paging, paginate, paging_from
from ..timeutil import now
from ..todo import sections_for
from . import exports, ledger
from .access import LEDGER_ROLES
from .forms import ActionForm
from .models import LedgerExport, Problem
from .queries import (
    TODO_KINDS,
    ProblemFilters,
    load_problem,
    problem_list_query,
    problems_in_batches,
    salon_months,
    todo_lists,
    units_for_assignment,
)
from .services import take_step
from .workflow import SATISFACTION, STATES, STEPS

bp = Blueprint("problems", __name__, url_prefix="/problems")
XLSX = exports.XLSX


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
    if fmt == "xlsx" and exports.needs_job(filters):
        job = exports.enqueue(current_user, request.args)
        if request.accept_mimetypes.best == "application/json":
            return jsonify(_export_state(job)), 202
        return redirect(url_for(".export_job", export_id=job.id))
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


@bp.route("/exports/<int:export_id>")
@role_required(*LEDGER_ROLES)
def export_job(export_id: int):
    """A background export: its progress while it runs, the download once it is done."""
    return render_template("problems/export.html", job=_own_export(export_id))


@bp.route("/exports/<int:export_id>/status")
@role_required(*LEDGER_ROLES)
def export_status(export_id: int):
    return jsonify(_export_state(_own_export(export_id)))


@bp.route("/exports/<int:export_id>.xlsx")
@role_required(*LEDGER_ROLES)
def export_file(export_id: int):
    job = _own_export(export_id)
    if job.status != "done":
        abort(404)
    name = f"问题台账-{job.finished_at:%Y%m%d}.xlsx"
    return Response(exports.export_bytes(job), mimetype=XLSX,
                    headers={"Content-Disposition": ledger.attachment_header(name)})


def _own_export(export_id: int) -> LedgerExport:
    """Only the person who asked sees an export (another's filters are not theirs to see)."""
    job = db.session.get(LedgerExport, export_id)
    if job is None or job.requested_by_id != current_user.id:
        abort(404)
    return job


def _export_state(job: LedgerExport) -> dict:
    state = {"id": job.id, "status": job.status, "label": job.status_label,
             "progress": job.progress, "message": job.message,
             "page": url_for(".export_job", export_id=job.id)}
    if job.status == "done":
        state["file"] = url_for(".export_file", export_id=job.id)
    return state


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


@bp.route("/<int:problem_id>/dubandan.pdf")
@login_required
def dubandan(problem_id: int):
    """督办单: the problem on one A4 sheet to sign (organizers, leaders, the unit)."""
    from urllib.parse import quote

    from . import dubandan as sheet

    problem = sheet.load(problem_id) or abort(404)
    if not sheet.may_print(current_user, problem):
        abort(403)
    response = Response(sheet.dubandan_pdf(problem), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f"inline; filename=\"dubandan-{problem.id}.pdf\"; "
        f"filename*=UTF-8''{quote(f'督办单-{problem.id}.pdf')}")
    return response


@bp.route("/<int:problem_id>/act", methods=["POST"])
@login_required
def act(problem_id: int):
    """Take one workflow step: 403 for the wrong person, 409 when the state (or a concurrent
    step) does not allow it; bad input shows the page again with everything typed kept."""
    problem = load_problem(problem_id) or abort(404)
    form = ActionForm()
    back = safe_next(form.next.data or url_for("posts.detail", post_id=problem.post_id))
    if not form.validate():
        return _redisplay(problem, form, form.field_errors())
    post_id = problem.post_id
    try:
        take_step(problem, current_user, form.action.data,
                  form.step_input(lambda unit_id: db.session.get(Unit, unit_id)))
    except InvalidInput as error:
        db.session.rollback()
        return _redisplay(problem, form, {error.field or "": [error.message]})
    except (Conflict, NotAllowed) as error:  # the error page, with the way back to the problem
        db.session.rollback()
        return render_template("errors/error.html", code=error.status, title=error.title,
                               message=error.message,
                               back=url_for("posts.detail", post_id=post_id)), error.status
    db.session.commit()
    flash(f"已{STEPS[form.action.data].done}。", "success")
    return redirect(back)


def _redisplay(problem: Problem, form: ActionForm, errors: dict[str, list[str]]):
    """The post page again with the step's form open, filled in, each message beside its field
    (one without a field, or for a field the form does not show, on top) (400)."""
    shown = set(STEPS[form.action.data].fields) if form.action.data in STEPS else set()
    beside = {field: messages for field, messages in errors.items() if field in shown}
    for field, messages in errors.items():
        for message in messages if field not in beside else []:
            flash(message, "danger")
    if beside:
        flash("请改正下面标出的错误。", "danger")
    g.problem_draft = {"action": form.action.data, "values": request.form.to_dict(),
                       "errors": beside}
    post_page = current_app.view_functions["posts.detail"]  # the problem lives on its post's page
    return post_page(post_id=problem.post_id), 400


@bp.route("/todo")
@login_required
def todo():
    """我的待办: what waits for the signed-in user."""
    asked = paging_from(default=current_app.config["POSTS_PER_PAGE"])

    def paging_of(kind: str) -> Paging:
        return asked if request.args.get("kind") == kind else Paging(1, asked.limit)

    return render_template("problems/todo.html", lists=todo_lists(current_user, paging_of),
                           kinds=TODO_KINDS, others=sections_for(current_user, paging_of))
