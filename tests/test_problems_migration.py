"""Migration i12b_01 carries problems of the first workflow over to the 督办 work order."""
from flask_migrate import upgrade

from salon import create_app
from salon.extensions import db
from salon.problems.models import Problem

from .conftest import database_url

OLD_EVENTS = [  # (problem, action, from, to, at, note): a reopened one and a confirmed one
    (1, "raise", None, "raised", "2026-11-02 09:00:00", "提出问题"),
    (1, "accept", "raised", "accepted", "2026-11-03 09:00:00", "已受理"),
    (1, "assign", "accepted", "assigned", "2026-11-03 10:00:00", "交办城关派出所"),
    (1, "start", "assigned", "in_progress", "2026-11-04 09:00:00", "开始办理"),
    (1, "resolve", "in_progress", "resolved", "2026-11-10 09:00:00", "补装探头（探头 8组）"),
    (1, "dispute", "resolved", "in_progress", "2026-11-11 09:00:00", "部分解决；城南仍是盲区"),
    (2, "raise", None, "raised", "2026-11-02 09:00:00", "提出问题"),
    (2, "accept", "raised", "accepted", "2026-11-03 09:00:00", "已受理"),
    (2, "assign", "accepted", "assigned", "2026-11-03 10:00:00", "交办城关派出所"),
    (2, "start", "assigned", "in_progress", "2026-11-04 09:00:00", "开始办理"),
    (2, "resolve", "in_progress", "resolved", "2026-11-10 09:00:00", "巡逻队（巡逻队 12支）"),
    (2, "confirm", "resolved", "confirmed", "2026-11-12 09:00:00", "满意"),
]


def seed_old_schema(connection) -> None:
    run = connection.exec_driver_sql
    run("INSERT INTO unit (id, name, kind) VALUES (1, '城关派出所', 'station')")
    run("INSERT INTO \"user\" (id, username, name, unit_id, role, active, created_at) "
        "VALUES (1, 'mj', '民警', 1, 'officer', true, '2026-11-01 08:00:00')")
    for number in (1, 2):
        run("INSERT INTO post (id, kind, title, body, author_id, unit_id, status, in_bulletin, "
            "exemplary, created_at, updated_at) VALUES "
            f"({number}, 'problem', '问题{number}', '正文', 1, 1, 'submitted', false, false, "
            "'2026-11-02 09:00:00', '2026-11-02 09:00:00')")
    run("INSERT INTO problem (id, post_id, state, source, scan, analysis, proposal, "
        "responsible_unit_id, deadline, outcome, decline_reason, satisfaction, reopen_count, "
        "created_at, resolved_at, closed_at) VALUES "
        "(1, 1, 'in_progress', 'officer', '', '', '', 1, '2026-12-01', '补装探头', '', "
        "'partly', 1, '2026-11-02 09:00:00', NULL, NULL), "
        "(2, 2, 'confirmed', 'officer', '', '', '', 1, '2026-12-01', '巡逻队', '', "
        "'satisfied', 0, '2026-11-02 09:00:00', '2026-11-10 09:00:00', '2026-11-12 09:00:00')")
    run("INSERT INTO outcome_figure (problem_id, label, value, unit) VALUES "
        "(1, '探头', 8, '组'), (2, '巡逻队', 12, '支')")
    for problem_id, action, before, after, at, note in OLD_EVENTS:
        before = f"'{before}'" if before else "NULL"
        run("INSERT INTO problem_event (problem_id, actor_id, at, action, from_state, to_state, "
            f"note) VALUES ({problem_id}, 1, '{at}', '{action}', {before}, '{after}', '{note}')")


def test_old_problems_and_events_are_carried_over(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"),
                      "SQLALCHEMY_DATABASE_URI": database_url(tmp_path), "SECRET_KEY": "t"})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(revision="i17_01")
        with db.engine.begin() as connection:
            seed_old_schema(connection)
        upgrade()
        try:
            reopened, confirmed = db.session.get(Problem, 1), db.session.get(Problem, 2)
            # The disputed 办结 is history, not the current result.
            assert reopened.state == "in_progress" and reopened.outcome == ""
            assert reopened.figures == [] and reopened.satisfaction is None
            [earlier] = reopened.results
            assert earlier.heading == "第1次办结，被提出异议"
            assert earlier.outcome == "补装探头（探头 8组）" and earlier.solved == "partly"
            assert earlier.ended_note == "部分解决；城南仍是盲区"
            assert str(reopened.signed_at) == "2026-11-04 09:00:00" and reopened.version == 0
            # A confirmed one keeps its result; its 回头看 falls due 90 days after 办结.
            assert confirmed.outcome == "巡逻队" and [f.value for f in confirmed.figures] == [12]
            assert str(confirmed.reported_at) == "2026-11-10 09:00:00"
            assert str(confirmed.review_due) == "2027-02-08" and confirmed.results == []
            # Old events keep their meaning in the history.
            labels = [e.action_label for e in confirmed.events]
            assert labels[3:5] == ["开始办理（签收）", "办结（旧流程：局领导直接办结）"]
            assert confirmed.extension_reason == "" and confirmed.escalated_to == ""
        finally:
            db.session.remove()
            db.drop_all()
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            db.engine.dispose()
