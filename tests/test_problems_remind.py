"""`flask problems remind`: nearly due, overdue and due 回头看 become messages, each once."""
from datetime import date, datetime

from salon.accounts.services import create_user
from salon.extensions import db
from salon.notifications.models import Notification
from salon.problems.models import ProblemEvent
from salon.timeutil import frozen

from .conftest import PASSWORD_HASH
from .problem_data import make_problem, step, user, walk


def messages(username: str) -> list[Notification]:
    """The reminders a person received (the steps' own hand-over notices left out)."""
    return list(db.session.scalars(db.select(Notification).filter_by(
        user_id=user(username).id).where(Notification.kind != "problem")
        .order_by(Notification.id)))


def remind(runner, moment: datetime):
    with frozen(moment):
        result = runner.invoke(args=["problems", "remind"])
    assert result.exit_code == 0, result.output
    return result.output


def test_remind_notifies_the_unit_and_the_desk_once(app, runner):
    soon = walk(make_problem("三天内到期"), "assigned", deadline=date(2026, 12, 3))
    late = walk(make_problem("已经超期"), "in_progress", deadline=date(2026, 11, 28),
                unit_name="城关派出所")
    walk(make_problem("时限还早"), "assigned", deadline=date(2026, 12, 30))
    out = remind(runner, datetime(2026, 12, 1, 8, 0))
    assert f"#{soon.id} 三天内到期" in out and f"#{late.id} 已经超期" in out
    assert "超期 3 天" in out and "时限还早" not in out and "已发送 3 条新提醒" in out
    # 曹甸 has no head: its members hear of it; 城关's overdue goes to 城关 and the desk.
    assert [m.text for m in messages("officer2")] == [
        "问题“三天内到期”还有 2 天到期（时限 2026年12月3日），请按时办结。"]
    assert [m.kind_label for m in messages("officer")] == ["到期提醒"]
    assert "已经超期" in messages("officer")[0].text and "超期 3 天" in messages("officer")[0].text
    assert messages("officer")[0].link == f"/posts/{late.post_id}"
    assert [m.text[:8] for m in messages("organizer")] == ["问题“已经超期”"]
    assert messages("leader") == []

    again = remind(runner, datetime(2026, 12, 1, 17, 0))
    assert "已发送 0 条新提醒" in again
    assert len(messages("officer2")) == 1 and len(messages("officer")) == 1
    # A week later the overdue one is raised again; the nearly due one is now overdue.
    remind(runner, datetime(2026, 12, 5, 8, 0))
    assert len(messages("officer")) == 2 and "超期 7 天" in messages("officer")[1].text
    assert "已超期 2 天" in messages("officer2")[1].text


def test_the_head_hears_of_it_not_every_member(app, runner):
    head = create_user("suozhang", "顾所长", "曹甸派出所", "officer", unit_head=True)
    head.password_hash = PASSWORD_HASH
    db.session.commit()
    walk(make_problem("明天到期"), "assigned", deadline=date(2026, 12, 2))
    remind(runner, datetime(2026, 12, 1, 8, 0))
    assert len(messages("suozhang")) == 1 and messages("officer2") == []


def test_review_is_due_after_the_set_days_and_reminded_once(app, runner):
    app.config["REVIEW_AFTER_DAYS"] = 30
    done = walk(make_problem("探头已整改"), "resolved", times={
        "resolved": datetime(2026, 11, 5, 10, 0)})
    walk(make_problem("刚办结"), "resolved", times={"resolved": datetime(2026, 11, 20, 10)})
    out = remind(runner, datetime(2026, 12, 4, 8, 0))
    assert "回头看到期" not in out and messages("organizer") == []
    out = remind(runner, datetime(2026, 12, 5, 8, 0))
    assert f"#{done.id} 探头已整改" in out and "回头看" in out
    [message] = messages("organizer")
    assert message.kind == "review" and "请组织回头看" in message.text
    remind(runner, datetime(2026, 12, 6, 8, 0))
    assert len(messages("organizer")) == 1
    # Once the desk has recorded its 回头看, it is no longer due.
    with frozen(datetime(2026, 12, 6, 9, 0)):
        db.session.add(ProblemEvent(problem=done, actor=user("organizer"), action="review",
                                    from_state=done.state, to_state=done.state, note="巩固"))
        db.session.commit()
    from salon.problems.reminders import reminders

    with frozen(datetime(2026, 12, 7)):
        assert [r.problem.id for r in reminders() if r.kind == "review"] == []


def test_remind_with_nothing_due(app, runner):
    out = remind(runner, datetime(2026, 12, 1, 8, 0))
    assert "没有" in out
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0


def test_a_declined_problem_is_never_reminded(app, runner):
    problem = make_problem("不予采纳")
    step(problem, "organizer", "decline", note="不属于公安职责")
    assert "没有" in remind(runner, datetime(2026, 12, 1, 8, 0))


def test_a_stage_of_a_long_plan_is_reminded_on_its_own(app, runner):
    """A three-year plan: the problem's deadline is far, but a stage falls due (阶段时限): the
    unit hears of it before, and the unit and the desk once it is late; a done stage, never."""
    plan = walk(make_problem("三年探头建设规划"), "in_progress", deadline=date(2029, 12, 31))
    step(plan, "officer2", "progress", note="分年度实施", stage="第一年：补装 120 组",
         stage_due=date(2026, 12, 3), at=datetime(2026, 11, 10, 9))
    step(plan, "officer2", "progress", note="分年度实施", stage="第二年：联网",
         stage_due=date(2026, 12, 2), at=datetime(2026, 11, 10, 9))
    first, second = plan.stages
    step(plan, "officer2", "progress", note="联网完成", stage=second.id,
         figures=[("联网探头", 80, "组")], at=datetime(2026, 11, 20, 9))
    out = remind(runner, datetime(2026, 12, 1, 8, 0))
    assert "第一年：补装 120 组" in out and "第二年" not in out
    assert [m.text for m in messages("officer2")] == [
        "问题“三年探头建设规划”的阶段“第一年：补装 120 组”还有 2 天到期"
        "（阶段时限 2026年12月3日），请按时完成并记录阶段成效。"]
    assert messages("organizer") == []
    remind(runner, datetime(2026, 12, 1, 17, 0))
    assert len(messages("officer2")) == 1  # once
    out = remind(runner, datetime(2026, 12, 5, 8, 0))
    assert "阶段超期 2 天" in out
    assert "已超期 2 天" in messages("officer2")[-1].text
    assert "第一年：补装 120 组" in messages("organizer")[-1].text
    assert messages("officer2")[-1].link == f"/posts/{plan.post_id}"
