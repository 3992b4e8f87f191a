"""Demo: move the demo's raised problems through every state, through the workflow's own rules.

`flask demo` creates the problems in state raised; `seed()` then plays each one a scenario —
oldest problems furthest along — with back-dated events, leaders' instructions, deadlines (some
overdue), stages, an extension request, a 提请, reports sent back, a dispute and a relapse
(reopened, the earlier results kept as history), 回头看 and one decline.
"""
from datetime import date, datetime, timedelta

from ..accounts.models import Unit, User
from ..extensions import db
from ..timeutil import frozen, now
from .models import Problem
from .services import Figure, StepInput, take_step
from .workflow import STEPS, may_act

# Each scenario: the responsible unit, the deadline (days after the assignment, or from today
# for problems still open: negative is overdue) and the steps (who, action, hours after the
# previous step, input). `who` is desk (督办), leader, unit (whoever of the unit the table lets
# take the step: its head for 报结), reporter or a co-signer. Dates in inputs are days from the
# real today ("+10").
SCENARIOS = [
    ("曹甸派出所", ("assigned", 20), [
        ("desk", "accept", 20, {}),
        ("desk", "assign", 4, {}),
        ("unit", "sign", 24, {"note": "已联系县供电所和照相设备供应商"}),
        ("unit", "report", 240, {
            "outcome": "为各乡镇办证点更换数码照相设备，出片率明显提升。",
            "figures": [("更换照相设备", 6, "台"), ("出片合格率", 98, "%")]}),
        ("leader", "approve", 20, {}),
        ("reporter", "confirm", 30, {"satisfaction": "satisfied", "solved": "solved",
                                     "note": "设备到位，群众满意。"}),
        ("desk", "review", 60, {"verdict": "held", "figures": [("出片合格率", 97, "%")],
                                "note": "回头看：设备运行正常。"}),
    ]),
    (None, None, [
        ("desk", "decline", 30, {
            "note": "省厅已统一制定在外人员身份核实流程，按省厅流程执行即可，不再另行制定。"}),
    ]),
    ("治安大队", ("assigned", 25), [
        ("desk", "accept", 12, {}),
        ("leader", "instruct", 1, {"note": "高峰期警力不足是全局性问题，请治安大队统筹调配。"}),
        ("desk", "assign", 2, {}),
        ("unit", "sign", 20, {}),
        ("unit", "progress", 96, {"note": "已从机关科室抽调民警支援户籍窗口。"}),
        ("unit", "report", 200, {
            "outcome": "建立办证高峰期机关民警支援户籍窗口机制。",
            "figures": [("抽调支援民警", 12, "名"), ("延时服务窗口", 5, "个")]}),
        ("leader", "reject", 20, {"note": "只有机制，没有群众等候时间的变化，请补充后再报。"}),
        ("unit", "report", 60, {
            "outcome": "建立办证高峰期支援机制，群众平均等候时间明显缩短。",
            "figures": [("抽调支援民警", 12, "名"), ("平均等候", 18, "分钟")]}),
        ("leader", "approve", 10, {}),
    ]),
    ("科技信息化科", ("assigned", 400), [
        ("cosigner", "cosign", 6, {"note": "我所辖区同样存在。"}),
        ("desk", "accept", 10, {}),
        ("leader", "instruct", 1, {
            "note": "请科技信息化科牵头，制定三年技防建设规划，先解决清晰度问题。"}),
        ("desk", "assign", 2, {}),
        ("unit", "sign", 24, {"note": "已对全县探头逐一排查。"}),
        ("unit", "progress", 2, {"note": "三年规划第一阶段。", "stage": "第一阶段：排查全县探头",
                                 "stage_due": "+0"}),
        ("unit", "progress", 2, {"note": "第二阶段。", "stage": "第二阶段：主要路口更换高清探头",
                                 "stage_due": "-2"}),
        ("unit", "progress", 2, {"note": "第三阶段。", "stage": "第三阶段：乡镇集镇全覆盖",
                                 "stage_due": "+300"}),
        ("unit", "progress", 100, {"note": "排查完成：清晰度不达标探头 31 组。",
                                   "stage": 0,
                                   "figures": [("排查探头", 412, "组"), ("不达标", 31, "组")]}),
        ("desk", "escalate", 20, {"body": "县政府",
                                  "note": "三年技防规划所需资金，提请县政府统筹。"}),
    ]),
    ("科技信息化科", ("today", 3), [
        ("cosigner", "cosign", 5, {}),
        ("desk", "accept", 10, {}),
        ("desk", "assign", 2, {}),
        ("unit", "sign", 20, {}),
        ("unit", "report", 150, {"outcome": "主要路口补装探头。",
                                 "figures": [("补装路口探头", 8, "组")]}),
        ("leader", "approve", 10, {}),
        ("reporter", "dispute", 30, {"solved": "partly",
                                     "note": "城南两个路口仍是盲区，请一并解决。"}),
        ("leader", "instruct", 4, {"note": "重新办理，城南盲区本月内解决。"}),
        ("unit", "progress", 30, {"note": "城南两个路口已完成勘察，等待施工。"}),
        ("unit", "report", 40, {"outcome": "城南两个路口补装探头，盲区消除。",
                                "figures": [("补装路口探头", 2, "组")]}),
    ]),
    ("治安大队", ("assigned", 40), [
        ("desk", "accept", 10, {}),
        ("leader", "instruct", 1, {"note": "巡逻要定时定线，纳入考核。"}),
        ("desk", "assign", 2, {}),
        ("unit", "sign", 20, {}),
        ("unit", "report", 200, {"outcome": "组建专业巡逻队，实行定时定线巡逻。",
                                 "figures": [("巡逻队", 12, "支"), ("巡逻队员", 280, "人")]}),
        ("leader", "approve", 10, {}),
        ("reporter", "confirm", 30, {"satisfaction": "basically", "solved": "partly",
                                     "note": "夜间巡逻仍可加强。"}),
        ("desk", "review", 60, {"verdict": "relapsed", "deadline": "+20",
                                "figures": [("夜间盗窃警情", 9, "起")],
                                "note": "夜间巡逻松懈，盗窃警情回升。"}),
    ]),
    ("城关派出所", ("today", -6), [
        ("desk", "accept", 12, {}),
        ("desk", "assign", 2, {}),
        ("unit", "sign", 30, {"note": "已与周边三个派出所建立联系。"}),
        ("desk", "urge", 20, {"note": "已超期，请抓紧办理并说明进度。"}),
        ("unit", "request_extension", 4, {"deadline": "+10",
                                          "note": "需与周边三个派出所联合排查，申请延期。"}),
    ]),
    ("曹甸派出所", ("today", -3), [
        ("cosigner", "cosign", 4, {}),
        ("desk", "accept", 12, {}),
        ("leader", "instruct", 1, {"note": "请曹甸派出所先行试点，成熟后全县推广。"}),
        ("desk", "assign", 2, {}),
    ]),
    ("科技信息化科", ("today", 2), [
        ("desk", "accept", 1, {}),
        ("desk", "assign", 1, {}),
        ("unit", "return", 2, {"note": "警情分流属指挥中心职责，不属本单位。"}),
    ]),
    ("治安大队", ("assigned", 30), [
        ("desk", "accept", 1, {}),
        ("desk", "assign", 1, {}),
        ("unit", "sign", 2, {}),
        ("unit", "report", 30, {"outcome": "夜市摊点统一规划，设立治安岗亭。",
                                "figures": [("治安岗亭", 2, "个")]}),
        ("leader", "approve", 2, {}),
    ]),
]
# Scenarios played on a 群众建议 (the demo's public problems get the 回访 ones).
PUBLIC = {2, 9}


def seed() -> None:
    """Play the scenarios on the demo's raised problems, oldest first; the caller commits."""
    problems = db.session.scalars(db.select(Problem).where(Problem.state == "raised")
                                  .order_by(Problem.created_at, Problem.id)).all()
    leader = _first(db.select(User).where(User.role == "leader"))
    if leader is None:
        return
    today = now().date()  # the real today, before the clock is set back
    desk = _first(db.select(User).where(User.role == "organizer", User.active.is_(True))
                  .order_by(User.id))
    for index, (problem, (unit_name, deadline, steps)) in enumerate(
            zip(problems, SCENARIOS, strict=False)):
        if index in PUBLIC:
            problem.source = "public"
        _play(problem, {"leader": leader, "desk": desk}, _unit(unit_name), deadline, steps, today)


def _play(problem: Problem, staff: dict, unit: Unit | None, deadline: tuple | None, steps,
          today: date) -> None:
    """Take the scenario's steps at back-dated times that fit between raising and now."""
    moments = _moments(problem.created_at, [hours for _, _, hours, _ in steps])
    for (who, action, _, data), moment in zip(steps, moments, strict=True):
        actor = _actor(who, action, problem, staff, unit)
        if actor is None:
            return
        if isinstance(data.get("stage"), int):  # the n-th stage of this problem
            data = {**data, "stage": problem.stages[data["stage"]].id}
        with frozen(moment):
            due = _due(deadline, moment.date(), today)
            take_step(problem, actor, action, _input(action, data, unit, due, today))


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


def _input(action: str, data: dict, unit: Unit | None, deadline: date, today: date
           ) -> StepInput:
    values = dict(data)
    if action == "assign":
        values.update(unit=unit, deadline=deadline)
    for name in ("deadline", "stage_due"):
        if isinstance(values.get(name), str):  # "+10": days from the real today
            values[name] = today + timedelta(days=int(values[name]))
    if "figures" in values:
        values["figures"] = [Figure(*figure) for figure in values["figures"]]
    return StepInput(**values)


def _actor(who: str, action: str, problem: Problem, staff: dict, unit: Unit | None
           ) -> User | None:
    if who in staff:
        return staff[who]
    if who == "reporter":
        return problem.post.author
    if who == "unit":  # the first of the unit the table lets take this step (the head: 报结)
        members = db.session.scalars(db.select(User).where(
            User.unit_id == unit.id, User.active.is_(True)).order_by(User.id))
        return next((m for m in members if may_act(STEPS[action], problem, m)), None)
    return _first(db.select(User).where(  # a co-signer: another officer of another unit
        User.role == "officer", User.active.is_(True), User.id != problem.post.author_id,
        User.unit_id != problem.post.author.unit_id).order_by(User.id))


def _unit(name: str | None) -> Unit | None:
    return _first(db.select(Unit).filter_by(name=name)) if name else None


def _first(query):
    return db.session.scalars(query.limit(1)).first()

