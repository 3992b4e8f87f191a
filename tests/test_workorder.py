"""The 督办 work order's longer steps: deadlines, stages, 提请, reopening, 回访 and 回头看."""
from datetime import date, datetime

import pytest

from salon.errors import Conflict, InvalidInput
from salon.extensions import db
from salon.timeutil import frozen

from .problem_data import make_problem, step, unit, walk


def test_the_deadline_moves_only_by_approved_extension_or_reassignment(app, client, auth):
    problem = walk(make_problem(), "in_progress", deadline=date(2026, 12, 1))
    step(problem, "officer2", "request_extension", deadline=date(2026, 12, 20), note="施工期长")
    assert problem.deadline == date(2026, 12, 1) and problem.extension_until == date(2026, 12, 20)
    with pytest.raises(Conflict, match="已有待审批"):
        step(problem, "officer2", "request_extension", deadline=date(2026, 12, 25), note="再延")
    db.session.rollback()
    step(problem, "organizer", "deny_extension", note="时限足够")
    assert problem.deadline == date(2026, 12, 1) and problem.extension_until is None
    step(problem, "officer2", "request_extension", deadline=date(2026, 12, 20), note="施工期长")
    step(problem, "leader", "approve_extension")
    assert problem.deadline == date(2026, 12, 20) and problem.extension_until is None
    step(problem, "organizer", "reassign", unit=unit("城关派出所"), deadline=date(2027, 1, 10),
         note="改由城关所办理")
    assert problem.state == "assigned" and problem.responsible_unit.name == "城关派出所"
    moves = [(e.action, e.data.get("previous_deadline"), e.data["deadline"])
             for e in problem.deadline_changes]
    assert moves == [("assign", None, "2026-12-01"),
                     ("approve_extension", "2026-12-01", "2026-12-20"),
                     ("reassign", "2026-12-20", "2027-01-10")]
    auth.login("officer")
    html = client.get(f"/posts/{problem.post_id}").get_data(as_text=True)
    assert "时限调整记录（3）" in html and "2026-12-01 → 2026-12-20" in html


def test_each_stage_is_overdue_on_its_own(app, client, auth):
    problem = walk(make_problem(), "in_progress", deadline=date(2027, 12, 31))
    step(problem, "officer2", "progress", note="定计划", stage="第一年：排查",
         stage_due=date(2026, 11, 20))
    step(problem, "officer2", "progress", note="定计划", stage="第二年：更换",
         stage_due=date(2027, 6, 30))
    first, second = problem.stages
    with pytest.raises(InvalidInput, match="成效"):
        step(problem, "officer2", "progress", note="完成", stage=first.id)
    db.session.rollback()
    with frozen(datetime(2026, 11, 25)):
        assert first.is_overdue and not second.is_overdue and not problem.is_overdue
    step(problem, "officer2", "progress", note="排查完成", stage=first.id,
         figures=[("排查探头", 412, "组")], at=datetime(2026, 11, 26))
    with frozen(datetime(2026, 11, 27)):
        assert not first.is_overdue and first.figures[0]["value"] == 412
        auth.login("leader")
        html = client.get(f"/posts/{problem.post_id}").get_data(as_text=True)
    assert "阶段计划" in html and "排查探头 412组" in html and "第二年：更换" in html


def test_escalation_is_recorded_and_the_problem_still_tracked(app, client, auth):
    problem = walk(make_problem(), "in_progress")
    step(problem, "organizer", "escalate", body="县政府", note="资金需县政府统筹")
    assert problem.escalated_to == "县政府" and problem.state == "in_progress"
    auth.login("officer")
    html = client.get("/problems/").get_data(as_text=True)
    assert "已提请" in html
    assert "已提请</span> 县政府" in client.get(f"/posts/{problem.post_id}").get_data(as_text=True)


def test_a_relapse_reopens_to_the_same_unit_with_a_new_deadline(app, client, auth):
    problem = walk(make_problem(), "confirmed")
    with pytest.raises(InvalidInput, match="新的办理时限"):
        step(problem, "organizer", "review", verdict="relapsed", figures=[("警情", 9, "起")])
    db.session.rollback()
    step(problem, "organizer", "review", verdict="relapsed", figures=[("警情", 9, "起")],
         deadline=date(2026, 12, 20), note="夜间警情回升")
    assert problem.state == "in_progress" and problem.responsible_unit.name == "曹甸派出所"
    assert problem.deadline == date(2026, 12, 20) and problem.reopen_count == 1
    assert problem.outcome == "" and problem.satisfaction is None
    assert [r.heading for r in problem.results] == ["第1次办结，回头看发现反弹"]
    auth.login("officer")
    html = client.get(f"/posts/{problem.post_id}").get_data(as_text=True)
    current = html[html.index("current-result"):html.index("earlier-results")]
    assert "新增探头并调整点位" not in current and "重新办理中" in current
    assert "第1次办结，回头看发现反弹" in html and "反弹" in html


def test_revisit_is_for_public_suggestions_and_unsatisfied_reopens(app):
    officer_raised = walk(make_problem("民警提的"), "resolved")
    with pytest.raises(Conflict, match="群众建议"):
        step(officer_raised, "organizer", "revisit", satisfaction="satisfied", solved="solved")
    db.session.rollback()
    public = walk(make_problem("群众提的", source="public"), "confirmed")
    step(public, "organizer", "revisit", satisfaction="basically", solved="partly")
    assert public.state == "confirmed" and public.revisit_label == "基本满意，部分解决"
    step(public, "organizer", "revisit", satisfaction="unsatisfied", solved="unsolved",
         deadline=date(2026, 12, 30), note="群众反映仍有噪音")
    assert public.state == "in_progress" and public.reopen_count == 1
    assert public.results[0].ended == "revisit"


def test_a_rejected_report_is_history_and_the_review_is_due_later(app):
    problem = walk(make_problem(), "reported")
    step(problem, "leader", "reject", note="只有措施没有效果")
    assert problem.state == "in_progress" and problem.outcome == ""
    assert problem.results[0].heading == "第1次报结，被局领导退回重办"
    assert problem.reopen_count == 0  # sent back before 办结: not a reopening
    step(problem, "officer2", "report", outcome="整改完成", figures=[("探头", 4, "组")])
    step(problem, "leader", "approve", at=datetime(2026, 11, 10, 9))
    assert problem.review_due == date(2027, 2, 8)  # SALON_REVIEW_AFTER_DAYS = 90


def test_the_bulletin_reports_reviews_of_earlier_salons_problems(app):
    from salon.bulletin.content import reviews

    from .problem_data import salon

    done = walk(make_problem("十月的问题", month="2026-10", at=datetime(2026, 10, 5, 9)),
                "confirmed")
    step(done, "organizer", "review", verdict="held", figures=[("警情", 0, "起")])
    later = salon("2026-12")
    db.session.commit()
    [review] = reviews(later)
    assert review.problem_id == done.id and review.verdict_label == "巩固"
    assert reviews(salon("2026-10")) == []


def test_a_reopening_leaves_no_citizen_verdict_as_current_and_the_revisit_is_due_again(
        app, client, auth):
    from salon.paging import Paging
    from salon.problems.queries import todo_count, todo_lists

    from .problem_data import user

    def revisits_due() -> list[int]:
        pages = todo_lists(user("organizer"), lambda kind: Paging(1, 100))
        return [p.id for p in pages["revisits_due"].items]

    def facts() -> str:
        html = client.get(f"/posts/{public.post_id}").get_data(as_text=True)
        return html[html.index("problem-facts"):html.index("current-result")]

    public = walk(make_problem("群众反映夜市噪音", source="public"), "confirmed")
    assert revisits_due() == [public.id]
    step(public, "organizer", "revisit", satisfaction="unsatisfied", solved="unsolved",
         deadline=date(2026, 12, 30), note="群众反映仍有噪音")
    assert public.state == "in_progress" and not public.revisit_is_current
    assert "群众评价：不满意，未解决" in public.results[0].ended_note  # kept as history
    auth.login("officer")
    assert "回访（群众）" not in facts()  # the old verdict is not the current one
    step(public, "officer2", "report", outcome="加装隔音屏", figures=[("噪音投诉", 1, "起")])
    step(public, "leader", "approve")
    # 办结 again: the citizen is asked again, and the old 不满意 is not shown beside the result
    assert revisits_due() == [public.id] and todo_count(user("organizer")) == 1
    assert "回访（群众）" not in facts()
    assert client.get(f"/api/problems/{public.id}").get_json()["revisit"] is None
    step(public, "organizer", "revisit", satisfaction="satisfied", solved="solved")
    assert public.revisit_is_current and revisits_due() == []
    assert "满意，已解决" in facts()
    assert client.get(f"/api/problems/{public.id}").get_json()["revisit"] == {
        "satisfaction": "satisfied", "solved": "solved"}
    step(public, "officer", "dispute", note="白天仍有占道")  # the reporter reopens it
    assert not public.revisit_is_current and revisits_due() == []
    assert "回访（群众）" not in facts()


def test_a_reopened_problem_shows_its_old_result_only_as_history_everywhere(app, client, auth):
    """Disputed after 办结: the list marks it 重办, the bulletin preview and the 督办单 say it is
    being worked again and list the earlier result as 办理经过; the old outcome is current
    nowhere (the page: test_a_relapse_…; the ledger and the 看板: their own tests)."""
    problem = walk(make_problem("夜间探头看不清"), "resolved")
    step(problem, "officer", "dispute", note="夜间仍看不清")
    auth.login("organizer")
    listing = client.get("/problems/").get_data(as_text=True)
    row = listing[listing.index("夜间探头看不清"):]
    row = row[:row.index("</tr>")]
    assert "重办1次" in row and "办理中" in row and "新增探头并调整点位" not in row
    preview = client.get("/bulletins/2026-11").get_data(as_text=True)
    article = preview[preview.index(f'id="post-{problem.post_id}"'):]
    article = article[:article.index("</section>")]
    assert "重新办理中，暂无新结果" in article and "第1次办结，被提出异议" in article
    assert "新增探头并调整点位" not in article and "新增探头" not in article
    from io import BytesIO

    from pypdf import PdfReader

    sheet = client.get(f"/problems/{problem.id}/dubandan.pdf")
    text = "".join(PdfReader(BytesIO(sheet.data)).pages[0].extract_text().split())
    current = text[text.rindex("办理结果"):]  # the old one is in the 办理过程 above, as history
    assert current.startswith("办理结果重新办理中，暂无新结果") and "新增探头" not in current
