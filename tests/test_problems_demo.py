"""`flask demo` leaves problems in every state, through the workflow's own rules."""
from salon.extensions import db
from salon.problems.models import STATES, Problem, ProblemEvent


def test_demo_has_problems_in_every_state(app, runner):
    db.drop_all()
    db.create_all()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    problems = db.session.scalars(db.select(Problem)).all()
    assert {p.state for p in problems} == set(STATES)
    assert sum(p.is_overdue for p in problems) >= 2
    assert sum(p.reopen_count for p in problems) == 1
    reopened = next(p for p in problems if p.reopen_count)
    assert reopened.state == "in_progress"
    declined = next(p for p in problems if p.state == "declined")
    assert declined.decline_reason
    figures = {(f.label, f.value, f.unit) for p in problems for f in p.figures}
    assert ("新增探头", 16, "组") in figures and ("调整探头", 27, "组") in figures
    assert any(p.instructions for p in problems) and any(p.cosign_count for p in problems)
    for problem in problems:  # every event in order of time, none in the future
        times = [e.at for e in problem.events]
        assert times == sorted(times) and times[0] >= problem.created_at
    assert db.session.scalar(db.select(db.func.count(ProblemEvent.id))) > 40
    result = runner.invoke(args=["problems", "remind"])
    assert result.exit_code == 0 and "已超期" in result.output
