"""Demo: move the demo's raised problems through every state, through the workflow's own rules.

`flask demo` creates the problems in state raised; `seed()` then plays each one a scenario —
oldest problems furthest along — with back-dated events, leaders' instructions, deadlines (some
overdue), outcome figures (新增探头 16 组, 调整 27 组), one dispute (reopened) and one decline.
"""
from datetime import date, datetime, timedelta

from ..accounts.models import Unit, User
from ..extensions import db
from ..timeutil import frozen, now
from .models import Problem
from .services import Figure, StepInput, take_step

# Each scenario: the responsible unit, the deadline (days after the assignment, or from today
# for problems still open: negative is overdue) and the steps (who, action, hours after the
# previous step, input). `who` is leader, unit, reporter or a co-signer.
SCENARIOS = [
    ("曹甸派出所", ("assigned", 20), [
        ("leader", "accept", 20, {}),
        ("leader", "assign", 4, {}),
        ("unit", "start", 24, {"note": "已联系县供电所和照相设备供应商"}),
        ("leader", "resolve", 240, {
            "outcome": "为各乡镇办证点更换数码照相设备，出片率明显提升。",
            "figures": [("更换照相设备", 6, "台"), ("出片合格率", 98, "%")]}),
        ("reporter", "confirm", 30, {"satisfaction": "satisfied", "note": "设备到位，群众满意。"}),
    ]),
    (None, None, [
        ("leader", "decline", 30, {
            "note": "省厅已统一制定在外人员身份核实流程，按省厅流程执行即可，不再另行制定。"}),
    ]),
    ("治安大队", ("assigned", 25), [
        ("leader", "accept", 12, {}),
        ("leader", "instruct", 1, {"note": "高峰期警力不足是全局性问题，请治安大队统筹调配。"}),
        ("leader", "assign", 2, {}),
        ("unit", "start", 20, {}),
        ("unit", "progress", 96, {"note": "已从机关科室抽调民警支援户籍窗口。"}),
        ("leader", "resolve", 200, {
            "outcome": "建立办证高峰期机关民警支援户籍窗口机制。",
            "figures": [("抽调支援民警", 12, "名"), ("延时服务窗口", 5, "个")]}),
    ]),
    ("科技信息化科", ("assigned", 30), [
        ("cosigner", "cosign", 6, {"note": "我所辖区同样存在。"}),
        ("leader", "accept", 10, {}),
        ("leader", "instruct", 1, {
            "note": "请科技信息化科牵头，制定三年技防建设规划，先解决清晰度问题。"}),
        ("leader", "assign", 2, {}),
        ("unit", "start", 24, {"note": "已对全县探头逐一排查。"}),
        ("unit", "progress", 120, {"note": "排查完成：清晰度不达标探头 31 组。"}),
        ("leader", "resolve", 200, {
            "outcome": "按三年规划新增高清探头，调整不合理点位，清晰度问题基本解决。",
            "figures": [("新增探头", 16, "组"), ("调整探头", 27, "组")]}),
        ("reporter", "confirm", 20, {"satisfaction": "satisfied", "note": "人脸车牌均可辨认。"}),
    ]),
    ("科技信息化科", ("today", 3), [
        ("cosigner", "cosign", 5, {}),
        ("leader", "accept", 10, {}),
        ("leader", "assign", 2, {}),
        ("unit", "start", 20, {}),
        ("leader", "resolve", 150, {"outcome": "主要路口补装探头。",
                                    "figures": [("补装路口探头", 8, "组")]}),
        ("reporter", "dispute", 30, {"satisfaction": "partly",
                                     "note": "城南两个路口仍是盲区，请一并解决。"}),
        ("leader", "instruct", 4, {"note": "重新办理，城南盲区本月内解决。"}),
        ("unit", "progress", 30, {"note": "城南两个路口已完成勘察，等待施工。"}),
    ]),
    ("治安大队", ("assigned", 40), [
        ("leader", "accept", 10, {}),
        ("leader", "instruct", 1, {"note": "巡逻要定时定线，纳入考核。"}),
        ("leader", "assign", 2, {}),
        ("unit", "start", 20, {}),
        ("leader", "resolve", 200, {"outcome": "组建专业巡逻队，实行定时定线巡逻。",
                                    "figures": [("巡逻队", 12, "支"), ("巡逻队员", 280, "人")]}),
        ("reporter", "confirm", 30, {"satisfaction": "basically", "note": "夜间巡逻仍可加强。"}),
    ]),
    ("城关派出所", ("today", -6), [
        ("leader", "accept", 12, {}),
        ("leader", "assign", 2, {}),
        ("unit", "start", 30, {"note": "已与周边三个派出所建立联系。"}),
    ]),
    ("曹甸派出所", ("today", -3), [
        ("cosigner", "cosign", 4, {}),
        ("leader", "accept", 12, {}),
        ("leader", "instruct", 1, {"note": "请曹甸派出所先行试点，成熟后全县推广。"}),
        ("leader", "assign", 2, {}),
    ]),
    ("科技信息化科", ("today", 2), [
        ("leader", "accept", 1, {}),
        ("leader", "assign", 1, {}),
    ]),
    (None, None, [
        ("leader", "accept", 1, {}),
        ("leader", "instruct", 1, {"note": "请研究警情分流办法，下期沙龙专题讨论。"}),
    ]),
]


def seed() -> None:
    """Play the scenarios on the demo's raised problems, oldest first; the caller commits."""
    problems = db.session.scalars(db.select(Problem).where(Problem.state == "raised")
                                  .order_by(Problem.created_at, Problem.id)).all()
    leader = _first(db.select(User).where(User.role == "leader"))
    if leader is None:
        return
    today = now().date()  # the real today, before the clock is set back
    for problem, (unit_name, deadline, steps) in zip(problems, SCENARIOS, strict=False):
        _play(problem, leader, _unit(unit_name), deadline, steps, today)


def _play(problem: Problem, leader: User, unit: Unit | None, deadline: tuple | None, steps,
          today: date) -> None:
    """Take the scenario's steps at back-dated times that fit between raising and now."""
    moments = _moments(problem.created_at, [hours for _, _, hours, _ in steps])
    for (who, action, _, data), moment in zip(steps, moments, strict=True):
        actor = _actor(who, problem, leader, unit)
        if actor is None:
            return
        with frozen(moment):
            due = _due(deadline, moment.date(), today)
            take_step(problem, actor, action, _input(action, data, unit, due))


def _moments(start: datetime, gaps: list[int]) -> list[datetime]:
    """Step times after `start`, squeezed proportionally when now comes sooner, by day when
    that still ends before now."""
    room = (now() - start).total_seconds() / 3600 - 1
    scale = min(1.0, room / sum(gaps)) if sum(gaps) and room > 0 else 0.0
    plain, by_day, at, day_at = [], [], start, start
    for hours in gaps:
        step = timedelta(hours=max(hours * scale, 0.01))
        at, day_at = at + step, _office_hours(day_at + step)
        plain.append(at.replace(microsecond=0))
        by_day.append(day_at.replace(microsecond=0))
    return by_day if by_day and by_day[-1] < now() else plain


def _office_hours(moment: datetime) -> datetime:
    """Officers work by day: a step that would fall at night moves to 8:30 the next morning."""
    if 8 <= moment.hour < 20:
        return moment
    morning = moment.replace(hour=8, minute=30, second=0)
    if moment.hour >= 20:
        morning += timedelta(days=1)
    return morning


def _due(deadline: tuple | None, assigned: date, today: date) -> date:
    """The deadline a leader sets on `assigned`, never before that day."""
    base, days = deadline or ("assigned", 14)
    wanted = (today if base == "today" else assigned) + timedelta(days=days)
    return max(wanted, assigned + timedelta(days=1))


def _input(action: str, data: dict, unit: Unit | None, deadline: date) -> StepInput:
    values = dict(data)
    if action == "assign":
        values.update(unit=unit, deadline=deadline)
    if "figures" in values:
        values["figures"] = [Figure(*figure) for figure in values["figures"]]
    return StepInput(**values)


def _actor(who: str, problem: Problem, leader: User, unit: Unit | None) -> User | None:
    if who == "leader":
        return leader
    if who == "reporter":
        return problem.post.author
    if who == "unit":
        return _first(db.select(User).where(User.unit_id == unit.id, User.active.is_(True),
                                            User.role != "admin").order_by(User.id))
    return _first(db.select(User).where(  # a co-signer: another officer of another unit
        User.role == "officer", User.active.is_(True), User.id != problem.post.author_id,
        User.unit_id != problem.post.author.unit_id).order_by(User.id))


def _unit(name: str | None) -> Unit | None:
    return _first(db.select(Unit).filter_by(name=name)) if name else None


def _first(query):
    return db.session.scalars(query.limit(1)).first()

