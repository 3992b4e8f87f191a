"""`flask demo`: loads realistic data into an empty database, once."""
import pytest

from salon.accounts.models import ROLES, Unit, User
from salon.extensions import db
from salon.posts.models import Comment, Post
from salon.problems.models import Problem
from salon.salons.models import Salon

from .conftest import app_settings, app_with_schema, csrf_token


@pytest.fixture
def empty_app(tmp_path):
    """An app whose database has the schema and nothing else."""
    with app_with_schema(app_settings(tmp_path), seed=False) as app:
        yield app


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_demo_loads_realistic_data(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "minjing1" in result.output and "Salon@2026" in result.output
    assert count(Unit) >= 8 and count(Post) >= 25 and count(Comment) >= 5
    assert {u.role for u in db.session.scalars(db.select(User))} == set(ROLES)
    for station in db.session.scalars(db.select(Unit).filter_by(kind="station")):
        heads = [u for u in station.users if u.unit_head]
        assert len(heads) == 1, f"{station.name} needs one 所长"
    committee = db.session.scalar(db.select(Unit).filter_by(name="局党委"))
    assert not committee.can_be_responsible and "suozhang1" in result.output
    salons = db.session.scalars(db.select(Salon).order_by(Salon.number)).all()
    assert [s.number for s in salons] == [1, 2, 3]
    assert [s.status for s in salons] == ["published", "held", "open"]
    assert all(s.agenda and s.signups for s in salons)
    assert salons[0].minutes and any(s.attended for s in salons[1].signups)
    problem_posts = db.session.scalars(
        db.select(Post).filter_by(kind="problem", status="submitted")).all()
    assert len(problem_posts) >= 7 and count(Problem) == len(problem_posts)
    assert db.session.scalar(db.select(Post).where(Post.exemplary.is_(True)))
    assert db.session.scalar(db.select(Post).where(Post.in_bulletin.is_(True)))
    assert db.session.scalar(db.select(Post).where(Post.body.contains("|---|")))  # a table
    from salon.assessment.models import AssessmentReport
    from salon.assessment.publication import report_bytes
    from salon.assessment.services import current_period

    published = db.session.scalar(db.select(AssessmentReport))  # last quarter's 考核通报
    assert published.period == current_period().previous().code
    assert published.signed_by.username == "lingdao" and published.number == 1
    assert report_bytes(published, "pdf").startswith(b"%PDF")


def test_demo_users_can_sign_in_and_see_the_current_salon(empty_app):
    empty_app.test_cli_runner().invoke(args=["demo"])
    client = empty_app.test_client()
    response = client.post("/login", data={"username": "minjing1", "password": "Salon@2026",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "本期主题：社区警务室常态化服务" in html and "征稿启事" in html
    current = db.session.scalar(db.select(Salon).filter_by(status="open"))
    assert client.get(f"/salons/{current.month}").status_code == 200


def test_if_empty_is_idempotent(empty_app):
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["demo", "--if-empty"]).exit_code == 0
    posts = count(Post)
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0 and "已有用户" in result.output.splitlines()[0]
    assert count(Post) == posts and count(Salon) == 3
    # `make run` shows the demo accounts every time, while they still take the demo password.
    assert "minjing1" in result.output and "Salon@2026" in result.output


def test_if_empty_lists_only_accounts_that_still_take_the_demo_password(empty_app):
    from werkzeug.security import generate_password_hash

    runner = empty_app.test_cli_runner()
    runner.invoke(args=["demo", "--if-empty"])
    user = db.session.scalar(db.select(User).filter_by(username="minjing1"))
    user.password_hash = generate_password_hash("Changed-2026-pass")
    db.session.scalar(db.select(User).filter_by(username="admin")).active = False
    db.session.commit()
    output = runner.invoke(args=["demo", "--if-empty"]).output
    assert "minjing2" in output and "minjing1" not in output and "admin" not in output


def test_demo_refuses_a_database_with_users(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "拒绝载入" in result.output and len(result.output.strip().splitlines()) == 1
    assert count(Salon) == 0


def test_demo_without_schema_says_to_upgrade(empty_app):
    db.drop_all()
    result = empty_app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0 and "flask db upgrade" in result.output
    db.create_all()
