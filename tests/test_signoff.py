"""签发: 送审 → 签发 / 退回 (comment) → 送审 again; roles, fingerprints, the immutable trail,
notifications, 我的待办, the buttons, and two leaders acting at the same moment."""
import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request

import pytest

from salon.accounts.models import User
from salon.errors import Conflict, InvalidInput, NotAllowed
from salon.extensions import db
from salon.notifications.models import Notification
from salon.signoff import is_signed, register_kind, state_of
from salon.signoff.models import ImmutableSignOffEvent, SignOff, SignOffEvent
from salon.signoff.services import history, return_, sign, submit
from salon.todo import count_for

from .conftest import PASSWORD, csrf_token
from .routes import user
from .test_problems_concurrency import at_once, served

CONTENT: dict[int, str] = {}  # the memo's content fingerprint, per memo id


@pytest.fixture(autouse=True)
def memo_kind():
    """A kind of document for these tests: 测试文件 N, its fingerprint in CONTENT."""
    CONTENT.clear()
    register_kind("memo", label="测试文件", title_of=lambda i: f"第{i}号测试文件",
                  url_of=lambda i: f"/?memo={i}", fingerprint_of=lambda i: CONTENT.get(i, "v1"))


def texts(username: str) -> list[str]:
    return list(db.session.scalars(db.select(Notification.text).filter_by(
        user_id=user(username).id).order_by(Notification.id)))


def add_leader(username: str = "leader2") -> User:
    from salon.accounts.services import create_user

    made = create_user(username, "李副局长", "局党委", "leader")
    made.password_hash = user("leader").password_hash
    db.session.commit()
    return made


def test_submit_return_fix_resubmit_sign(app):
    add_leader()
    submit("memo", 1, user("organizer"), fingerprint="aaa")
    db.session.commit()
    assert state_of("memo", 1) == "submitted"
    assert not is_signed("memo", 1, "aaa")
    # every active leader is told, with the document's name
    assert texts("leader") == ["测试organizer将测试文件《第1号测试文件》送审，请签发。"]
    assert len(texts("leader2")) == 1 and texts("officer") == []

    with pytest.raises(InvalidInput, match="请填写退回意见"):
        return_("memo", 1, user("leader"), comment="  ")
    db.session.rollback()
    return_("memo", 1, user("leader"), comment="编者按要写明本期决定事项。")
    db.session.commit()
    assert state_of("memo", 1) == "returned"
    assert texts("organizer")[-1] == (
        "测试leader退回了测试文件《第1号测试文件》，意见：编者按要写明本期决定事项。")

    submit("memo", 1, user("organizer"), fingerprint="bbb", comment="已补充决定事项")
    db.session.commit()
    assert "重新将测试文件《第1号测试文件》送审" in texts("leader")[-1]
    sign("memo", 1, user("leader2"), fingerprint="bbb")
    db.session.commit()
    assert is_signed("memo", 1, "bbb") and not is_signed("memo", 1, "aaa")
    assert "李副局长已签发测试文件《第1号测试文件》" in texts("organizer")[-1]
    record = db.session.scalar(db.select(SignOff).filter_by(kind="memo", subject_id=1))
    assert record.signed_by.name == "李副局长" and record.signed_at is not None

    steps = [(e.action, e.from_state, e.to_state, e.actor.username, e.fingerprint, e.comment)
             for e in history("memo", 1)]
    assert steps == [
        ("submit", "draft", "submitted", "organizer", "aaa", ""),
        ("return", "submitted", "returned", "leader", "aaa", "编者按要写明本期决定事项。"),
        ("submit", "returned", "submitted", "organizer", "bbb", "已补充决定事项"),
        ("sign", "submitted", "signed", "leader2", "bbb", ""),
    ]


def test_a_change_after_signing_voids_the_signature(app):
    submit("memo", 2, user("organizer"), fingerprint="v1")
    sign("memo", 2, user("leader"), fingerprint="v1")
    db.session.commit()
    assert is_signed("memo", 2, "v1")
    assert not is_signed("memo", 2, "v2")  # the content changed: the signature does not count
    with pytest.raises(Conflict, match="已签发，内容未变"):
        submit("memo", 2, user("organizer"), fingerprint="v1")
    db.session.rollback()
    submit("memo", 2, user("organizer"), fingerprint="v2")
    db.session.commit()
    assert state_of("memo", 2) == "submitted" and not is_signed("memo", 2, "v2")
    record = db.session.scalar(db.select(SignOff).filter_by(kind="memo", subject_id=2))
    assert record.signed_by_id is None


def test_content_changed_since_submission_cannot_be_signed(app):
    submit("memo", 3, user("organizer"), fingerprint="v1")
    db.session.commit()
    with pytest.raises(Conflict, match="送审后内容已有变化"):
        sign("memo", 3, user("leader"), fingerprint="v2")
    db.session.rollback()
    with pytest.raises(Conflict, match="已送审，正等待局领导签发"):
        submit("memo", 3, user("organizer"), fingerprint="v1")
    db.session.rollback()
    assert state_of("memo", 3) == "submitted"


@pytest.mark.parametrize("who, action, message", [
    ("officer", "submit", "只有组织者可以送审"),
    ("admin", "submit", "只有组织者可以送审"),
    ("leader", "submit", "只有组织者可以送审"),
    ("officer", "sign", "只有局领导可以签发"),
    ("admin", "sign", "只有局领导可以签发"),
    ("organizer", "sign", "只有局领导可以签发"),
    ("organizer", "return", "只有局领导可以退回"),
])
def test_roles(app, who, action, message):
    if action != "submit":
        submit("memo", 4, user("organizer"), fingerprint="v1")
        db.session.commit()
    call = {"submit": submit, "sign": sign, "return": return_}[action]
    with pytest.raises(NotAllowed, match=message):
        call("memo", 4, user(who), comment="意见", fingerprint="v1")


def test_state_rules(app):
    with pytest.raises(Conflict, match="当前状态为“草稿”，不能签发"):
        sign("memo", 5, user("leader"))
    with pytest.raises(Conflict, match="当前状态为“草稿”，不能退回"):
        return_("memo", 5, user("leader"), comment="不行")
    submit("memo", 5, user("organizer"), fingerprint="v1")
    return_("memo", 5, user("leader"), comment="不行")
    db.session.commit()
    with pytest.raises(Conflict, match="当前状态为“已退回”，不能签发"):
        sign("memo", 5, user("leader"))


def test_the_event_trail_is_never_edited_or_deleted(app):
    submit("memo", 6, user("organizer"), fingerprint="v1")
    db.session.commit()
    event = db.session.scalar(db.select(SignOffEvent))
    event.comment = "改写"
    with pytest.raises(ImmutableSignOffEvent):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(ImmutableSignOffEvent):
        db.session.execute(db.delete(SignOffEvent))
    db.session.rollback()
    with pytest.raises(ImmutableSignOffEvent):
        db.session.execute(db.update(SignOffEvent).values(comment="x"))
    db.session.rollback()
    assert db.session.scalar(db.select(SignOffEvent.comment)) == ""


def test_a_stale_version_loses(app):
    """Two sessions: the one that read the record before the other's step gets 409."""
    submit("memo", 7, user("organizer"), fingerprint="v1")
    db.session.commit()
    record = db.session.scalar(db.select(SignOff).filter_by(subject_id=7))
    # another session signs in between (its own connection and transaction)
    with db.engine.begin() as other:
        other.execute(db.update(SignOff).where(SignOff.id == record.id)
                      .values(version=SignOff.version + 1, state="signed"))
    with pytest.raises(Conflict, match="刚刚已被他人处理"):
        return_("memo", 7, user("leader"), comment="退回")
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(SignOffEvent.id)).where(
        SignOffEvent.action == "return")) == 0


def test_todo_for_leaders_and_organizers(app, client, auth):
    submit("memo", 8, user("organizer"), fingerprint="v1")
    submit("memo", 9, user("organizer"), fingerprint="v1")
    return_("memo", 9, user("leader"), comment="请补充数据来源")
    db.session.commit()
    assert count_for(user("leader")) >= 1 and count_for(user("officer")) == 0
    auth.login("leader")
    html = client.get("/problems/todo").get_data(as_text=True)
    assert "待我签发" in html and "第8号测试文件" in html and "第9号测试文件" not in html
    auth.logout()
    auth.login("organizer")
    html = client.get("/problems/todo").get_data(as_text=True)
    assert "被退回" in html and "第9号测试文件" in html and "请补充数据来源" in html
    auth.logout()
    auth.login("officer")
    html = client.get("/problems/todo").get_data(as_text=True)
    assert "待我签发" not in html and "第8号测试文件" not in html


def test_todo_lists_without_n_plus_one(app, count_queries):
    from salon.paging import Paging
    from salon.signoff.queries import waiting_page

    for i in range(10, 25):
        submit("memo", i, user("organizer"), fingerprint="v1")
    db.session.commit()
    db.session.expire_all()
    with count_queries() as statements:
        page = waiting_page(user("leader"), Paging(1, 20))
        lines = [(e.title, e.record.submitted_by.name, e.url) for e in page.items]
    assert len(lines) == 15
    assert len(statements) <= 4, statements


def post_step(client, subject_id: int, action: str, comment: str = ""):
    return client.post(f"/signoff/memo/{subject_id}/{action}",
                       data={"comment": comment, "csrf_token": csrf_token(client, "/")})


def test_buttons_roles_states_and_chinese_errors(app, client, auth):
    auth.login("officer")
    answer = post_step(client, 20, "submit")
    assert answer.status_code == 403 and "只有组织者可以送审" in answer.get_data(as_text=True)
    auth.logout()
    auth.login("leader")
    assert post_step(client, 20, "submit").status_code == 403
    answer = post_step(client, 20, "sign")
    assert answer.status_code == 409 and "不能签发" in answer.get_data(as_text=True)
    auth.logout()
    auth.login("admin")
    assert post_step(client, 20, "sign").status_code == 403
    auth.logout()
    auth.login("organizer")
    answer = post_step(client, 20, "submit")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/?memo=20")
    assert state_of("memo", 20) == "submitted"
    assert post_step(client, 20, "sign").status_code == 403
    auth.logout()
    auth.login("leader")
    answer = post_step(client, 20, "return", comment="")
    assert answer.status_code == 302
    assert "请填写退回意见" in client.get("/").get_data(as_text=True)
    assert state_of("memo", 20) == "submitted"
    assert post_step(client, 20, "return", comment="数据口径不一").status_code == 302
    assert state_of("memo", 20) == "returned"
    assert client.post("/signoff/nothing/1/sign", data={
        "csrf_token": csrf_token(client, "/")}).status_code == 404


def test_the_buttons_take_the_fingerprint_of_the_kind(app, client, auth):
    CONTENT[30] = "first"
    auth.login("organizer")
    post_step(client, 30, "submit")
    auth.logout()
    CONTENT[30] = "second"  # edited after 送审
    auth.login("leader")
    answer = post_step(client, 30, "sign")
    assert answer.status_code == 409 and "送审后内容已有变化" in answer.get_data(as_text=True)
    assert state_of("memo", 30) == "submitted"


class Browser:
    """A signed-in session against the served site, following no redirects."""

    def __init__(self, site: str, username: str):
        self.site = site
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        status = self.post("/login", {"username": username, "password": PASSWORD})
        assert status == 302

    def token(self, path: str = "/login") -> str:
        import re

        html = self.opener.open(self.site + path, timeout=60).read().decode()
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def post(self, path: str, data: dict) -> int:
        body = urllib.parse.urlencode({**data, "csrf_token": self.token(
            "/login" if path == "/login" else "/")}).encode()
        try:
            with self.opener.open(self.site + path, data=body, timeout=60) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code


def test_two_leaders_sign_and_return_at_the_same_moment(app):
    """On a threaded server, one request per thread and connection: exactly one wins."""
    add_leader()
    ids = list(range(40, 44))
    for i in ids:
        submit("memo", i, user("organizer"), fingerprint="v1")
    db.session.commit()
    with served(app) as site:
        first, second = Browser(site, "leader"), Browser(site, "leader2")
        for i in ids:
            answers = at_once([
                lambda i=i: first.post(f"/signoff/memo/{i}/sign", {"comment": ""}),
                lambda i=i: second.post(f"/signoff/memo/{i}/return", {"comment": "再议"}),
            ])
            assert sorted(answers) == [302, 409], answers
    db.session.expire_all()
    for i in ids:
        actions = [e.action for e in history("memo", i)]
        assert actions[0] == "submit" and len(actions) == 2, actions
        assert state_of("memo", i) == {"sign": "signed", "return": "returned"}[actions[1]]
