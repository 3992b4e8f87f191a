"""Large ledger exports (.xlsx) as background jobs, like a bulletin build.

A CSV streams from the request, whatever its size. An .xlsx is a zip that is complete only at
the end; up to LEDGER_DIRECT_EXPORT_MAX problems it is written inside the request (a couple of
seconds), beyond that it is queued: a background thread writes it batch by batch, the page
shows its progress, and the person who asked downloads it when it is done. Finished exports
are kept LEDGER_EXPORT_KEEP_HOURS, then deleted with their file.
"""
import logging
import tempfile
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

from flask import current_app
from werkzeug.datastructures import MultiDict

from ..accounts.models import User
from ..background import Queue
from ..errors import InvalidInput
from ..extensions import db
from ..storage import storage
from ..timeutil import now
from . import ledger
from .models import LedgerExport
from .queries import ProblemFilters, count_problems, problems_in_batches

log = logging.getLogger(__name__)
MAX_WAITING_PER_PERSON = 3
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def query_string(args: MultiDict) -> str:
    return urlencode(list(args.items(multi=True)))


def filters_of(export: LedgerExport) -> ProblemFilters:
    return ProblemFilters.from_args(MultiDict(parse_qsl(export.query)))


def needs_job(filters: ProblemFilters) -> bool:
    return count_problems(filters) > current_app.config["LEDGER_DIRECT_EXPORT_MAX"]


def enqueue(user: User, args: MultiDict) -> LedgerExport:
    """Queue an export of the ledger under these filters (the same one still waiting or
    running for this person is reused, so a double click does not write it twice)."""
    forget_old_exports()
    query = query_string(args)
    export = db.session.scalar(
        db.select(LedgerExport).where(LedgerExport.requested_by_id == user.id,
                                      LedgerExport.query == query,
                                      LedgerExport.status.in_(("queued", "running"))))
    if export is None:
        waiting = db.session.scalar(db.select(db.func.count(LedgerExport.id)).where(
            LedgerExport.requested_by_id == user.id,
            LedgerExport.status.in_(("queued", "running"))))
        if waiting >= MAX_WAITING_PER_PERSON:  # one person cannot fill the queue
            raise InvalidInput(f"您已有 {waiting} 份台账正在导出，请等其完成后再导出。")
        export = LedgerExport(requested_by_id=user.id, query=query, message="排队等待")
        db.session.add(export)
        db.session.commit()
    exports.wake()
    return export


def claim_next() -> LedgerExport | None:
    """Take the oldest queued export (a conditional UPDATE: one process runs it)."""
    candidate = db.session.scalar(
        db.select(LedgerExport.id).where(LedgerExport.status == "queued")
        .order_by(LedgerExport.id))
    if candidate is None:
        return None
    claimed = db.session.execute(
        db.update(LedgerExport)
        .where(LedgerExport.id == candidate, LedgerExport.status == "queued")
        .values(status="running", started_at=now(), progress=1, message="开始导出")
    ).rowcount
    db.session.commit()
    return db.session.get(LedgerExport, candidate) if claimed else None


def run_export(export: LedgerExport) -> None:
    """Write the workbook a batch at a time, reporting progress; store it; record the outcome."""
    export_id = export.id
    filters = filters_of(export)
    export.total = count_problems(filters)
    db.session.commit()
    written = 0

    def batches():
        nonlocal written
        for batch in problems_in_batches(filters):
            yield batch
            written += len(batch)
            _report(export_id, written, export.total)

    try:
        with tempfile.TemporaryFile() as spool:
            ledger.write_workbook(spool, batches())
            spool.seek(0)
            data = spool.read()
        key = f"exports/ledger-{export_id}.xlsx"
        storage().put(key, data, XLSX)
        _finish(export_id, "done", f"已导出 {export.total} 个问题", key, len(data))
    except Exception:  # a crash must not leave the export "running" forever
        log.exception("ledger export %s failed", export_id)
        db.session.rollback()
        _finish(export_id, "failed", "导出出错，已记录日志，请重试。")


def _report(export_id: int, written: int, total: int) -> None:
    """Progress on its own short statement: the rows being written hold no lock meanwhile."""
    percent = min(99, 1 + written * 98 // max(total, 1))
    db.session.execute(db.update(LedgerExport).where(LedgerExport.id == export_id)
                       .values(progress=percent, message=f"已写入 {written} / {total} 个问题"))
    db.session.commit()


def _finish(export_id: int, status: str, message: str, key: str | None = None,
            size: int = 0) -> None:
    values = {"status": status, "message": message, "finished_at": now()}
    if status == "done":
        values |= {"progress": 100, "storage_key": key, "size": size}
    db.session.execute(db.update(LedgerExport).where(LedgerExport.id == export_id)
                       .values(**values))
    db.session.commit()


def run_pending() -> int:
    """Run queued exports one after another until none is left; returns how many ran."""
    fail_stale_exports()
    count = 0
    while (export := claim_next()) is not None:
        run_export(export)
        count += 1
    return count


def fail_stale_exports() -> None:
    """An export 'running' longer than any takes died with its process: mark it failed."""
    limit = now() - timedelta(minutes=current_app.config["BULLETIN_JOB_TIMEOUT_MINUTES"])
    db.session.execute(
        db.update(LedgerExport)
        .where(LedgerExport.status == "running", LedgerExport.started_at < limit)
        .values(status="failed", message="导出进程中断，请重新导出。", finished_at=now()))
    db.session.commit()


def forget_old_exports() -> None:
    """Finished exports older than the keeping time go, with their files."""
    limit = now() - timedelta(hours=current_app.config["LEDGER_EXPORT_KEEP_HOURS"])
    old = db.session.scalars(db.select(LedgerExport).where(
        LedgerExport.status.in_(("done", "failed")), LedgerExport.finished_at < limit)).all()
    for export in old:
        if export.storage_key:
            storage().delete(export.storage_key)
        db.session.delete(export)
    db.session.commit()


def export_bytes(export: LedgerExport) -> bytes:
    return storage().get(export.storage_key)


exports = Queue("ledger-export", run_pending,
                lambda: current_app.config["LEDGER_EXPORT_JOBS_MANUAL"])
