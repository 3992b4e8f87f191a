"""签发 of the 专刊: the page's panel per role, publishing refused until the current words are
signed, the cover's 签发人 and date, the signature kept across days, 我的待办 and 消息."""
from datetime import date, datetime

import pytest

from salon.bulletin import jobs
from salon.bulletin.content import bulletin_for
from salon.bulletin.models import BulletinRevision
from salon.bulletin.render.segments import print_html
from salon.bulletin.services import publish
from salon.bulletin.signing import fingerprint_of_salon, issue_content, signed
from salon.extensions import db
from salon.notifications.models import Notification
from salon.signoff import state_of
from salon.timeutil import frozen
from tests import bulletin_data as d
from tests.conftest import AuthActions, csrf_token


@pytest.fixture
def salon(app):
    made = d.salon(1, "2026-10", status="held", topic="矛盾纠纷多元化解")
    d.post(made, "调解邻里纠纷三步法")
    bulletin_for(made).editor_note = "本期聚焦调解。"
    db.session.commit()
    return made


def browser(app, username: str):
    other = app.test_client()
    AuthActions(other).login(username)
    return other


def send(client, path: str, data: dict | None = None):
    return client.post(path, data={"csrf_token": csrf_token(client, "/bulletins/2026-10"),
                                   **(data or {})})


def step(client, salon, action: str, comment: str = ""):
    return send(client, f"/signoff/bulletin/{salon.bulletin.id}/{action}", {"comment": comment})


def build(client):
    send(client, "/bulletins/2026-10/build")
    assert jobs.run_pending(in_subprocess=False) == 1


def texts(username: str) -> list[tuple[str, str]]:
    rows = db.session.execute(db.select(Notification.text, Notification.link).filter_by(
        user_id=d.user(username).id).order_by(Notification.id))
    return [tuple(row) for row in rows]


def test_the_whole_round_on_the_site(app, salon):
    organizer, leader, officer = (browser(app, u) for u in ("organizer", "leader", "officer"))
    page = organizer.get("/bulletins/2026-10").get_data(as_text=True)
    assert 'data-state="draft"' in page and ">送审</button>" in page
    assert ">签发</button>" not in page

    assert step(organizer, salon, "submit").status_code == 302
    [(text, link)] = texts("leader")
    assert "送审，请签发" in text and "社区警务沙龙专刊第1期（2026年10月）" in text
    assert link == "/bulletins/2026-10#signoff"
    todo = leader.get("/problems/todo").get_data(as_text=True)
    assert "待我签发" in todo and "社区警务沙龙专刊第1期" in todo
    page = leader.get("/bulletins/2026-10").get_data(as_text=True)
    assert ">签发</button>" in page and ">退回</button>" in page and ">送审</button>" not in page
    page = officer.get("/bulletins/2026-10").get_data(as_text=True)
    panel = page.split('id="signoff"')[1].split("</section>")[0]
    assert "待签发" in panel and "</button>" not in panel

    # 退回 needs a comment; the organizer sees it on the page, in 我的待办 and in a message
    step(leader, salon, "return")
    assert "请填写退回意见" in leader.get("/bulletins/2026-10").get_data(as_text=True)
    assert state_of("bulletin", salon.bulletin.id) == "submitted"
    step(leader, salon, "return", "编者按请写明本期会议的决定事项。")
    page = organizer.get("/bulletins/2026-10").get_data(as_text=True)
    assert 'data-state="returned"' in page and "编者按请写明本期会议的决定事项。" in page
    assert "编者按请写明本期会议的决定事项。" in texts("organizer")[-1][0]
    todo = organizer.get("/problems/todo").get_data(as_text=True)
    assert "编者按请写明本期会议的决定事项" in todo

    # published? not yet: a clear refusal for each state
    build(organizer)
    assert "须经局领导签发后方可发布" in organizer.get("/bulletins/2026-10").get_data(as_text=True)
    answer = send(organizer, "/bulletins/2026-10/publish")
    assert "已被局领导退回" in organizer.get(answer.location).get_data(as_text=True)

    send(organizer, "/bulletins/2026-10/settings",
         {"editor_note": "本期会议决定：推广三步调解法。"})
    step(organizer, salon, "submit", "已按意见修改")
    answer = send(organizer, "/bulletins/2026-10/publish")
    assert "正等待局领导签发" in organizer.get(answer.location).get_data(as_text=True)
    assert step(leader, salon, "sign").status_code == 302
    assert "已签发专刊《社区警务沙龙专刊第1期（2026年10月）》" in texts("organizer")[-1][0]

    # the sample built before 签发 has no 签发人 on its cover: build again, then publish
    answer = send(organizer, "/bulletins/2026-10/publish")
    assert "请重新生成专刊" in organizer.get(answer.location).get_data(as_text=True)
    build(organizer)
    answer = send(organizer, "/bulletins/2026-10/publish")
    assert "已发布" in organizer.get(answer.location).get_data(as_text=True)
    revision = db.session.scalar(db.select(BulletinRevision).where(
        BulletinRevision.number == 1))
    assert revision is not None

    page = officer.get("/bulletins/2026-10").get_data(as_text=True)
    assert "签发人：<strong>测试leader</strong>" in page
    history = page.split("签发记录")[1]
    assert [a for a in ("送审", "退回", "送审", "签发") if a in history]
    assert history.index("退回") < history.index("已按意见修改") < history.rindex("签发")


def test_a_change_after_signing_voids_it_until_sent_again(app, salon):
    d.signed_off(salon)
    assert signed(salon)
    assert "签发人：测试leader" in print_html(issue_content(salon))
    d.post(salon, "新增一篇稿件")
    db.session.commit()
    assert not signed(salon)
    assert "签发人：（待签发）" in print_html(issue_content(salon))  # no signer for unsigned words
    organizer = browser(app, "organizer")
    build(organizer)
    answer = send(organizer, "/bulletins/2026-10/publish")
    assert "签发后内容已有变化" in organizer.get(answer.location).get_data(as_text=True)
    page = organizer.get("/bulletins/2026-10").get_data(as_text=True)
    assert "原签发不再有效" in page and ">送审</button>" in page


def test_the_cover_prints_the_signer_and_the_date_once(app, salon):
    with frozen(datetime(2026, 10, 28, 9, 0)):
        d.signed_off(salon)
    html = print_html(issue_content(salon))
    cover = html.split('<section class="cover">')[1].split('id="sec-note"')[0]
    assert "签发人：测试leader" in cover
    assert cover.count("2026年10月28日") == 1 and "签发日期" not in cover


def test_a_signature_holds_on_the_next_days(app, salon):
    """回头看 counts days open: the words signed are those of the day of 送审."""
    earlier = d.salon(0, "2026-09")
    d.problem(d.post(earlier, "上期遗留：路灯不亮", kind="problem"), "assigned",
              unit_name="城关派出所", deadline=date(2026, 12, 1))
    db.session.commit()
    with frozen(datetime(2026, 10, 27, 9, 0)):
        d.signed_off(salon)
    with frozen(datetime(2026, 10, 30, 9, 0)):
        assert signed(salon)
        db.session.expire_all()
        salon = db.session.merge(salon)
        organizer = browser(app, "organizer")
        build(organizer)
        revision = publish(salon, d.user("organizer"))
        db.session.commit()
        assert revision.number == 1


def test_only_organizers_send_and_only_leaders_sign(app, salon):
    bulletin_id = salon.bulletin.id
    for who, action, status in [("officer", "submit", 403), ("leader", "submit", 403),
                                ("admin", "submit", 403)]:
        assert step(browser(app, who), salon, action).status_code == status
    organizer = browser(app, "organizer")
    step(organizer, salon, "submit")
    for who in ("officer", "organizer", "admin"):
        answer = step(browser(app, who), salon, "sign")
        assert answer.status_code == 403 and "只有局领导可以签发" in answer.get_data(as_text=True)
    assert state_of("bulletin", bulletin_id) == "submitted"
    answer = step(organizer, salon, "submit")
    assert answer.status_code == 409 and "无需重复送审" in answer.get_data(as_text=True)


def test_the_fingerprint_is_of_the_words_not_of_the_signature(app, salon):
    before = fingerprint_of_salon(salon)
    d.signed_off(salon)
    assert fingerprint_of_salon(salon) == before
    salon.bulletin.editor_note = "改过的编者按。"
    db.session.commit()
    assert fingerprint_of_salon(salon) != before


def test_a_comment_is_shown_as_text(app, salon):
    organizer, leader = browser(app, "organizer"), browser(app, "leader")
    step(organizer, salon, "submit", "<b>送审</b>")
    step(leader, salon, "return", '<script>window.__xss=1</script>请改"标题"')
    for who in (organizer, leader):
        page = who.get("/bulletins/2026-10").get_data(as_text=True)
        assert "<script>window.__xss" not in page and "<b>送审</b>" not in page
        assert "&lt;script&gt;window.__xss=1&lt;/script&gt;请改&#34;标题&#34;" in page
    todo = organizer.get("/problems/todo").get_data(as_text=True)
    assert "<script>window.__xss" not in todo and "&lt;script&gt;" in todo


def test_words_changed_while_waiting_are_sent_again_before_signing(app, salon):
    organizer, leader = browser(app, "organizer"), browser(app, "leader")
    step(organizer, salon, "submit")
    send(organizer, "/bulletins/2026-10/settings", {"editor_note": "送审后又改了编者按。"})
    page = leader.get("/bulletins/2026-10").get_data(as_text=True)
    assert "送审后内容已有变化，须由组织者重新送审后再签发" in page
    assert ">签发</button>" not in page and ">退回</button>" in page
    answer = step(leader, salon, "sign")
    assert answer.status_code == 409 and "请组织者重新送审" in answer.get_data(as_text=True)
    assert ">送审</button>" in organizer.get("/bulletins/2026-10").get_data(as_text=True)
    step(organizer, salon, "submit")
    assert step(leader, salon, "sign").status_code == 302
    assert signed(salon)
