"""督办单: one problem on one A4 sheet, for a leader to sign — laid out by the bulletin's
renderer (its render process, its fetcher that loads only our own files, the bundled fonts)."""
from concurrent.futures import ProcessPoolExecutor

from flask import current_app, render_template
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..extensions import db
from ..timeutil import now
from .models import Instruction, Problem, ProblemEvent

SIGNATURES = ("承办人", "所长（负责人）", "督办人", "领导签批")


def may_print(user: User, problem: Problem) -> bool:
    """Organizers (督办), leaders and members of the responsible unit."""
    if not user.is_authenticated:
        return False
    if user.has_role("organizer", "leader"):
        return True
    return problem.responsible_unit_id is not None and user.unit_id == problem.responsible_unit_id


def load(problem_id: int) -> Problem | None:
    """The problem with everything the sheet prints, in a fixed number of queries."""
    return db.session.scalar(
        db.select(Problem).where(Problem.id == problem_id)
        .options(selectinload(Problem.post), selectinload(Problem.responsible_unit),
                 selectinload(Problem.events).selectinload(ProblemEvent.actor),
                 selectinload(Problem.instructions).selectinload(Instruction.leader),
                 selectinload(Problem.figures), selectinload(Problem.results)))


def sheet_html(problem: Problem) -> str:
    return render_template("problems/dubandan.html", p=problem, post=problem.post,
                           signatures=SIGNATURES, printed_at=now(),
                           bureau=current_app.config["BULLETIN_EDITOR_UNIT"])


def dubandan_pdf(problem: Problem) -> bytes:
    """The sheet's PDF, laid out in a render process of its own (as the posters are)."""
    from ..bulletin.render.layout import RenderJob
    from ..bulletin.render.tasks import render_whole
    from ..bulletin.render.workers import worker_context

    job = RenderJob(sheet_html(problem), current_app.static_folder,
                    current_app.config["STORAGE_DIR"], {})
    with ProcessPoolExecutor(1, mp_context=worker_context()) as pool:
        return pool.submit(render_whole, job).result().pdf
