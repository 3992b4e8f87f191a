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


def test_a_features_error_gets_the_heading_of_its_status(app):
    """A feature's error given 403 reads 无权操作 on the page, not 请求有误."""
    from salon.posts.services import PostError

    def refuse():
        raise PostError("只有组织者可以设置入选专刊和典型经验。", status=403)

    app.add_url_rule("/_refuse", "refuse", refuse)
    page = app.test_client().get("/_refuse").get_data(as_text=True)
    assert "无权操作" in page and "请求有误" not in page


@pytest.mark.parametrize("path", ["/salons/2031-01", "/bulletins/2031-01", "/salons/2026-13",
                                  "/bulletins/%3Cscript%3E"])
def test_a_salon_month_that_does_not_exist_is_404_everywhere(client, auth, path):
    auth.login("organizer")
    page = client.get(path)
    assert page.status_code == 404
    assert "<script>" not in page.get_data(as_text=True)


def test_a_domain_error_given_500_reads_as_a_server_fault(app):
    """A stored file that fails its checksum is the server's fault: 500, 服务器出错, the message."""
    def broken():
        raise InvalidInput("文件校验失败，请联系管理员。", status=500)

    app.add_url_rule("/_broken", "broken", broken)
    app.add_url_rule("/api/_broken", "api_broken", broken)
    page = app.test_client().get("/_broken")
    assert page.status_code == 500
    html = page.get_data(as_text=True)
    assert "服务器出错" in html and "文件校验失败" in html
    api = app.test_client().get("/api/_broken")
    assert api.status_code == 500 and api.get_json() == {"error": "文件校验失败，请联系管理员。"}
