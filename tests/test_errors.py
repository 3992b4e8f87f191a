"""One handler answers every uncaught domain error: its status, its Chinese message, no write."""
import pytest

from salon.accounts.models import Unit
from salon.errors import Conflict, InvalidInput, Missing, NotAllowed
from salon.extensions import db


@pytest.mark.parametrize("error, status", [
    (InvalidInput("填写有误。"), 400), (NotAllowed("无权。"), 403),
    (Missing("不存在。"), 404), (Conflict("已被他人处理。"), 409),
])
def test_uncaught_domain_errors_answer_their_status_and_roll_back(app, error, status):
    def boom():
        db.session.add(Unit(name="不应留下的单位"))
        db.session.flush()
        raise error

    app.add_url_rule("/api/_boom", "api_boom", boom)
    app.add_url_rule("/_boom", "page_boom", boom)
    client = app.test_client()

    api = client.get("/api/_boom")
    assert api.status_code == status
    assert api.get_json() == {"error": error.message}
    page = client.get("/_boom")
    assert page.status_code == status
    assert error.message in page.get_data(as_text=True)
    assert db.session.scalar(db.select(Unit).filter_by(name="不应留下的单位")) is None
