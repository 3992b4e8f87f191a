"""`flask demo` leaves problems in every state, through the workflow's own rules."""
from salon.extensions import db
from salon.problems.models import Problem, ProblemEvent
from salon.problems.workflow import STATES


def test_demo_has_problems_in_every_state(app, runner):
    db.drop_all()
    db.create_all()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    problems = db.session.scalars(db.select(Problem)).all()
    assert {p.state for p in problems} == set(STATES)
    assert sum(p.is_overdue for p in problems) >= 2
    reopened = [p for p in problems if p.reopen_count]
    assert len(reopened) == 2 and all(p.results for p in reopened)
    assert {p.state for p in reopened} == {"reported", "in_progress"}  # 异议 and 反弹
    assert any(p.extension_until for p in problems) and any(p.escalated_to for p in problems)
    assert any(s.is_overdue for p in problems for s in p.stages)
    assert any(s.done_at for p in problems for s in p.stages)
    assert {v.verdict for p in problems for v in p.reviews} == {"held", "relapsed"}
    assert any(p.source == "public" and p.state == "resolved" for p in problems)
    assert any(r.ended == "rejected" for p in problems for r in p.results)
    declined = next(p for p in problems if p.state == "declined")
    assert declined.decline_reason
    figures = {(f.label, f.value, f.unit) for p in problems for f in p.figures}
    assert ("更换照相设备", 6, "台") in figures and ("出片合格率", 98, "%") in figures
    assert any(p.instructions for p in problems) and any(p.cosign_count for p in problems)
    for problem in problems:  # every event in order of time, none in the future
        times = [e.at for e in problem.events]
        assert times == sorted(times) and times[0] >= problem.created_at
    assert db.session.scalar(db.select(db.func.count(ProblemEvent.id))) > 40
    result = runner.invoke(args=["problems", "remind"])
    assert result.exit_code == 0 and "已超期" in result.output
