"""Database engine tuning (SQLite in WAL mode with a busy timeout) and the version claim that
keeps two concurrent steps on one record from both succeeding."""
from flask import Flask
from sqlalchemy import event, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value

from .extensions import db


def _tune_sqlite(dbapi_connection, _record) -> None:
    """WAL lets readers run beside one writer; the timeout waits for the write lock."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    """Attach the SQLite tuning to this app's engine once it exists."""
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _tune_sqlite)



def claim_version(record, lost: Exception) -> None:
    """UPDATE … SET version = version + 1 WHERE id AND version: of two concurrent steps on
    `record` only one finds its version; the other gets `lost` (a 409 for the caller)."""
    model, seen = type(record), record.version or 0
    try:
        claimed = db.session.execute(
            update(model).where(model.id == record.id, model.version == seen)
            .values(version=seen + 1).execution_options(synchronize_session=False))
    except OperationalError:  # SQLite: another writer holds or just changed the database
        raise lost from None
    if claimed.rowcount != 1:
        raise lost
    set_committed_value(record, "version", seen + 1)
