"""Builds run outside the request (salon.background): queued in the database, one render at
a time — the claim is a conditional UPDATE that also requires no other job to be running.
"""
import logging
from datetime import timedelta

from flask import current_app

from ..background import Queue
from ..extensions import db
from ..salons.models import Salon
from ..timeutil import now
from .models import BuildJob
from .services import BulletinError, build, store, up_to_date

log = logging.getLogger(__name__)


def enqueue(salon: Salon, user_id: int | None) -> BuildJob:
    """Queue a build of the salon's bulletin (an active one for the same salon is reused)."""
    job = active_job(salon)
    if job is None:
        job = BuildJob(salon_id=salon.id, requested_by_id=user_id, message="排队等待")
        db.session.add(job)
        db.session.commit()
    builds.wake()
    return job


def active_job(salon: Salon) -> BuildJob | None:
    return db.session.scalar(
        db.select(BuildJob).where(BuildJob.salon_id == salon.id,
                                  BuildJob.status.in_(("queued", "running")))
        .order_by(BuildJob.id)
    )


def latest_job(salon: Salon) -> BuildJob | None:
    return db.session.scalar(
        db.select(BuildJob).where(BuildJob.salon_id == salon.id).order_by(BuildJob.id.desc())
    )


def queue_position(job: BuildJob) -> int:
    """How many jobs are ahead of this one (0: it runs next or now)."""
    return db.session.scalar(
        db.select(db.func.count(BuildJob.id))
        .where(BuildJob.status.in_(("queued", "running")), BuildJob.id < job.id)
    ) or 0


def fail_stale_jobs() -> None:
    """A job 'running' for longer than any build takes died with its process: mark it failed."""
    limit = now() - timedelta(minutes=current_app.config["BULLETIN_JOB_TIMEOUT_MINUTES"])
    db.session.execute(
        db.update(BuildJob).where(BuildJob.status == "running", BuildJob.started_at < limit)
        .values(status="failed", message="排版进程中断，请重新生成。", finished_at=now())
    )
    db.session.commit()


def claim_next() -> BuildJob | None:
    """Take the oldest queued job, unless some job is already running anywhere."""
    fail_stale_jobs()
    running = db.select(BuildJob.id).where(BuildJob.status == "running").exists()
    candidate = db.session.scalar(
        db.select(BuildJob.id).where(BuildJob.status == "queued").order_by(BuildJob.id)
    )
    if candidate is None:
        return None
    claimed = db.session.execute(
        db.update(BuildJob)
        .where(BuildJob.id == candidate, BuildJob.status == "queued", ~running)
        .values(status="running", started_at=now(), progress=1, message="开始排版")
    ).rowcount
    db.session.commit()
    return db.session.get(BuildJob, candidate) if claimed else None


def run_job(job: BuildJob, in_subprocess: bool = True) -> None:
    """Build one job's bulletin and record the outcome on the job."""
    def progress(percent: int, message: str) -> None:
        job.progress, job.message = percent, message
        db.session.commit()

    salon = job.salon
    try:
        unchanged = up_to_date(salon)
        if unchanged is not None:
            _finish(job, "done", "内容未变化，沿用已有文件", unchanged.id)
            return
        built = build(salon, progress, in_subprocess=in_subprocess)
        revision = store(salon, built, job.requested_by_id)
        _finish(job, "done", f"共 {built.pages} 页", revision.id)
    except BulletinError as error:
        db.session.rollback()
        _finish(job, "failed", str(error))
    except Exception:  # a crash must not leave the job "running" forever
        log.exception("bulletin build %s failed", job.id)
        db.session.rollback()
        _finish(job, "failed", "排版出错，已记录日志。")


def _finish(job: BuildJob, status: str, message: str, revision_id: int | None = None) -> None:
    job.status, job.message, job.revision_id = status, message, revision_id
    job.progress = 100 if status == "done" else job.progress
    job.finished_at = now()
    db.session.commit()


def run_pending(in_subprocess: bool = True) -> int:
    """Run queued jobs one after another until none is left; returns how many ran."""
    count = 0
    while (job := claim_next()) is not None:
        run_job(job, in_subprocess)
        count += 1
    return count


builds = Queue("bulletin-builder", run_pending,
               lambda: current_app.config["BULLETIN_JOBS_MANUAL"])
