"""axe-core finds no serious or critical violation on the main pages."""
import pytest

from salon.extensions import db
from salon.posts.models import Post
from salon.problems.models import Problem
from salon.salons.models import Salon

from .conftest import axe_violations, screenshot

pytestmark = pytest.mark.browser


def first_post() -> str:
    query = db.select(Post.id).filter_by(kind="experience", status="submitted").order_by(Post.id)
    return f"/posts/{db.session.scalar(query.limit(1))}"


def first_problem() -> str:
    return f"/problems/{db.session.scalar(db.select(Problem.id).order_by(Problem.id).limit(1))}"


def salon_in(status: str) -> str:
    return db.session.scalar(db.select(Salon.month).filter_by(status=status))


# name → (who looks, how to find the path in the demo data)
PAGES = {
    "home": ("officer", lambda: "/"),
    "salon": ("organizer", lambda: "/salons/" + salon_in("open")),
    "post": ("organizer", first_post),
    "post-new": ("officer", lambda: "/posts/new?kind=problem"),
    "search": ("officer", lambda: "/search/?q=警务室"),
    "problem": ("leader", first_problem),
    "dashboard": ("leader", lambda: "/dashboard/"),
    "bulletin": ("organizer", lambda: "/bulletins/" + salon_in("published")),
    "messages": ("officer", lambda: "/messages/"),
    "settings": ("officer", lambda: "/account/"),
    "suggestions": ("organizer", lambda: "/suggestions/"),
    "suggestion": ("organizer", lambda: f"/suggestions/{first_new_suggestion()}"),
    "suggestion-new": ("officer", lambda: "/suggestions/new"),
    "lectures": ("officer", lambda: "/lectures/"),
    "lecture": ("organizer", lambda: f"/lectures/{first_lecture_with_materials()}"),
    "assessment-ranking": ("leader", lambda: f"/assessment/{quarter()}"),
    "assessment-figures": ("organizer", lambda: f"/assessment/{quarter()}/figures"),
    "assessment-unit": ("officer", lambda: f"/assessment/{quarter()}/units/{own_unit()}"),
    "assessment-indicators": ("officer", lambda: "/assessment/indicators"),
    "assessment-reports": ("officer", lambda: "/assessment/reports"),
    "unit": ("officer", lambda: f"/units/{own_unit()}"),
    "brands": ("officer", lambda: "/brands"),
}


def quarter() -> str:
    from salon.assessment.services import current_period

    return current_period().code


def own_unit() -> int:
    from salon.accounts.models import User

    return db.session.scalar(db.select(User.unit_id).filter_by(username="officer"))


def first_new_suggestion() -> int:
    from salon.suggestions.models import Suggestion

    return db.session.scalar(db.select(Suggestion.id).filter_by(status="new").order_by(
        Suggestion.id).limit(1))


def first_lecture_with_materials() -> int:
    from salon.lectures.models import LectureMaterial

    return db.session.scalar(db.select(LectureMaterial.lecture_id).order_by(
        LectureMaterial.id).limit(1))


@pytest.mark.parametrize("name", list(PAGES))
def test_main_page_has_no_serious_accessibility_violation(name, open_as, live_server):
    role, path_of = PAGES[name]
    with live_server.app.app_context():
        path = path_of()
    page = open_as(role)
    response = page.goto(live_server(path))
    assert response.status == 200, f"{path}: HTTP {response.status}"
    screenshot(page, f"a11y-{name}")
    assert axe_violations(page) == []
