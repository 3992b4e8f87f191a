"""The committed migrations build exactly the schema the models describe."""
import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from salon import create_app
from salon.extensions import db

from .conftest import database_url


def seed_a_post_with_a_comment(user_row: str) -> None:
    """A unit, a user (columns and values as that revision has them), a salon, a post and
    a comment on it, written straight to the tables of an older revision."""
    with db.engine.begin() as connection:
        for statement in (
            "INSERT INTO unit (id, name, kind) VALUES (1, '城关派出所', 'station')",
            f'INSERT INTO "user" {user_row}',
            "INSERT INTO salon (id, number, month, topic, description, place, status, "
            "minutes, created_at) VALUES (1, 1, '2026-11', '主题', '', '', 'open', '', "
            "'2026-11-01')",
            "INSERT INTO post (id, kind, title, body, author_id, unit_id, salon_id, status, "
            "in_bulletin, exemplary, created_at, updated_at) VALUES (1, 'experience', "
            "'旧稿', '正文', 1, 1, 1, 'submitted', false, false, '2026-11-02', '2026-11-02')",
            "INSERT INTO comment (id, post_id, author_id, body, created_at) "
            "VALUES (1, 1, 1, '好', '2026-11-03')",
        ):
            connection.exec_driver_sql(statement)


def test_upgrade_on_empty_database_matches_models(tmp_path):
    url = database_url(tmp_path)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"),
                      "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True})
            diff = compare_metadata(context, db.metadata)
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()
    assert diff == [], f"models and migrations differ; run `make migration`: {diff}"
    assert os.path.isdir(app.instance_path)


def test_unit_heads_migration_carries_users_and_units_over(tmp_path):
    """Users keep their rows (not heads, no e-mail); 局党委 becomes the decision body."""
    url = database_url(tmp_path)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"),
                      "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(revision="0001")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO unit (id, name, kind) VALUES (1, '局党委', 'office'), "
                "(2, '城关派出所', 'station')")
            connection.exec_driver_sql(
                "INSERT INTO \"user\" (id, username, name, unit_id, role, active, created_at) "
                "VALUES (1, 'ld', '领导', 1, 'leader', true, '2026-11-01 08:00:00')")
        upgrade(revision="i12a_01")
        with db.engine.connect() as connection:
            kinds = dict(connection.exec_driver_sql("SELECT name, kind FROM unit").all())
            row = connection.exec_driver_sql(
                "SELECT username, unit_head, email FROM \"user\"").one()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()
    assert kinds == {"局党委": "committee", "城关派出所": "station"}
    assert (row[0], bool(row[1]), row[2]) == ("ld", False, None)


def test_post_review_migration_keeps_posts_published_and_their_comments(tmp_path):
    """Existing posts stay submitted (review hides nothing published) and keep their comments
    (the columns are added in place: no table rebuild that would cascade on SQLite)."""
    url = database_url(tmp_path)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"),
                      "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(revision="i11b_02")
        seed_a_post_with_a_comment(
            "(id, username, name, unit_id, role, active, created_at, unit_head, "
            "must_change_password) VALUES (1, 'mj', '民警', 1, 'officer', true, '2026-11-01', "
            "false, false)")
        upgrade()
        with db.engine.connect() as connection:
            post = connection.exec_driver_sql(
                "SELECT status, reviewer_id, review_decision FROM post").one()
            comments = connection.exec_driver_sql("SELECT count(*) FROM comment").scalar()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()
    assert tuple(post) == ("submitted", None, None) and comments == 1


def test_a_database_with_posts_upgrades_from_the_first_release(tmp_path):
    """Every migration on a database with a post and its comment: none may rebuild a table
    that rows refer to (on SQLite that fails on, or cascades from, `user` and `post`)."""
    url = database_url(tmp_path)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"),
                      "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(revision="0001")
        seed_a_post_with_a_comment(
            "(id, username, name, unit_id, role, active, created_at) "
            "VALUES (1, 'mj', '民警', 1, 'officer', true, '2026-11-01')")
        upgrade()
        with db.engine.connect() as connection:
            user = connection.exec_driver_sql(
                "SELECT username, unit_head, must_change_password FROM \"user\"").one()
            counts = [connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
                      for table in ("post", "comment")]
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()
    assert (user[0], bool(user[1]), bool(user[2])) == ("mj", False, False) and counts == [1, 1]
