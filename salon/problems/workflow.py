"""The 督办 work order as one table: state × action → next state, who may act, what they give.

Everything else (the service, the API, the action forms, 我的待办, the labels of the history)
reads this table; a new step is a new row here plus its rule in `rules.py`.
"""
from dataclasses import dataclass

from ..accounts.models import User
from ..extensions import db

STATES = {
    "raised": "已提出",
    "accepted": "已受理",
    "assigned": "已交办",
    "in_progress": "办理中",
    "reported": "已报结（待审核）",
    "resolved": "已办结",
    "confirmed": "已确认",
    "declined": "不予受理",
}
# Open: still being worked or waiting for a decision; done: 办结 (reviews may reopen it).
OPEN_STATES = ("raised", "accepted", "assigned", "in_progress", "reported")
DONE_STATES = ("resolved", "confirmed")
WORKING = ("assigned", "in_progress")  # the responsible unit holds the work order

# Who may take a step: a role, or a relation of the user to the problem.
DESK = "desk"  # 督办 (role organizer: 治安大队 / 办公室)
LEADER = "leader"  # 局领导
DESK_OR_LEADER = "desk_or_leader"
UNIT = "unit"  # any member of the responsible unit (责任单位)
UNIT_HEAD = "unit_head"  # its head (所长), or any member when the unit has no head
REPORTER = "reporter"  # the officer who raised the problem
OTHERS = "others"  # any signed-in officer except the reporter (附议)

WHO_LABELS = {DESK: "督办（组织者）", LEADER: "局领导", DESK_OR_LEADER: "督办或局领导",
              UNIT: "责任单位民警", UNIT_HEAD: "责任单位负责人", REPORTER: "问题提出人",
              OTHERS: "其他民警"}

# The inputs a step may take (API field → what the form calls it).
FIELD_LABELS = {
    "note": "说明", "unit": "责任单位", "deadline": "办理时限", "outcome": "办理结果",
    "figures": "成效数据", "satisfaction": "满意度", "solved": "解决程度", "verdict": "结论",
    "body": "提请机关", "stage": "阶段", "stage_due": "阶段时限",
}


@dataclass(frozen=True)
class Step:
    """One row: from `sources`, `who` may take `action`; it leads to `target` (None: stays),
    or to `reopen_to` when the given verdict reopens the problem."""

    action: str
    label: str
    sources: tuple[str, ...]
    target: str | None
    who: str
    needs: tuple[str, ...] = ()  # required inputs
    takes: tuple[str, ...] = ()  # optional inputs
    note_label: str = "说明"
    done: str = ""  # the message after success (已…)
    reopen_to: str | None = None
    when: str | None = None  # a further condition on the problem (CONDITIONS)

    def next_state(self, current: str, reopened: bool = False) -> str:
        if reopened and self.reopen_to:
            return self.reopen_to
        return self.target or current

    @property
    def fields(self) -> tuple[str, ...]:
        return self.needs + self.takes


ANY = (*OPEN_STATES, *DONE_STATES)

STEPS: dict[str, Step] = {step.action: step for step in (
    Step("accept", "受理", ("raised",), "accepted", DESK, takes=("note",), done="受理"),
    Step("decline", "不予受理", ("raised",), "declined", DESK, needs=("note",),
         note_label="不予受理理由", done="不予受理"),
    Step("assign", "交办", ("accepted",), "assigned", DESK, needs=("unit", "deadline"),
         takes=("note",), note_label="交办要求（可选）", done="交办"),
    Step("sign", "签收", ("assigned",), "in_progress", UNIT, takes=("note",), done="签收"),
    Step("return", "退回", ("assigned",), "accepted", UNIT_HEAD, needs=("note",),
         note_label="退回理由（为何不属本单位）", done="退回督办"),
    Step("reassign", "改派", WORKING, "assigned", DESK, needs=("unit", "deadline", "note"),
         note_label="改派理由", done="改派"),
    Step("progress", "办理进展", OPEN_STATES, None, UNIT, needs=("note",),
         takes=("stage", "stage_due", "figures"), note_label="办理进展", done="记录办理进展"),
    Step("report", "报结", ("in_progress",), "reported", UNIT_HEAD,
         needs=("outcome", "figures"), takes=("note",), note_label="补充说明（可选）",
         done="报结，等待局领导审核"),
    Step("approve", "审核通过", ("reported",), "resolved", LEADER, takes=("note",),
         note_label="审核意见（可选）", done="审核通过，问题已办结"),
    Step("reject", "退回重办", ("reported",), "in_progress", LEADER, needs=("note",),
         note_label="退回重办理由", done="退回重办"),
    Step("confirm", "确认办结", ("resolved",), "confirmed", REPORTER,
         needs=("satisfaction", "solved"), takes=("note",), note_label="意见（可选）",
         done="确认办结"),
    Step("dispute", "提出异议", ("resolved",), "in_progress", REPORTER, needs=("note",),
         takes=("solved",), note_label="未解决之处", done="提出异议，问题已重新办理"),
    Step("revisit", "回访", DONE_STATES, None, DESK, needs=("satisfaction", "solved"),
         takes=("note",), note_label="回访记录", done="记录回访", reopen_to="in_progress",
         when="public"),
    Step("review", "回头看", DONE_STATES, None, DESK, needs=("verdict", "figures"),
         takes=("note", "deadline"), note_label="回头看情况", done="记录回头看",
         reopen_to="in_progress"),
    Step("instruct", "批示", ANY, None, LEADER, needs=("note",), note_label="批示内容",
         done="批示"),
    Step("urge", "催办", OPEN_STATES, None, DESK, takes=("note",), note_label="催办要求",
         done="催办"),
    Step("request_extension", "申请延期", WORKING, None, UNIT_HEAD, needs=("deadline", "note"),
         note_label="延期理由", done="提交延期申请", when="no_extension_pending"),
    Step("approve_extension", "批准延期", WORKING, None, DESK_OR_LEADER, takes=("note",),
         note_label="意见（可选）", done="批准延期，办理时限已调整", when="extension_pending"),
    Step("deny_extension", "不予延期", WORKING, None, DESK_OR_LEADER, needs=("note",),
         note_label="不予延期理由", done="不予延期", when="extension_pending"),
    Step("escalate", "提请", ("accepted", "assigned", "in_progress"), None, DESK,
         needs=("body", "note"), note_label="提请事项", done="提请"),
    Step("cosign", "附议", OPEN_STATES, None, OTHERS, takes=("note",), done="附议"),
)}

# Every step is an action of the API contract (POST /api/problems/ID/events).
API_ACTIONS = tuple(STEPS)

# The one table of action labels: the steps, plus those of the history only (the filing, and
# the steps of the first version of the workflow that old events keep).
ACTION_LABELS = {
    "raise": "提出问题",
    **{action: step.label for action, step in STEPS.items()},
    "start": "开始办理（签收）",
    "resolve": "办结（旧流程：局领导直接办结）",
}

SATISFACTION = {"satisfied": "满意", "basically": "基本满意", "unsatisfied": "不满意"}
SOLVED = {"solved": "已解决", "partly": "部分解决", "unsolved": "未解决"}
VERDICTS = {"held": "巩固", "relapsed": "反弹"}


def unit_has_head(unit_id: int) -> bool:
    """Whether the unit has an active head (所长/负责人)."""
    return db.session.scalar(db.select(User.id).where(
        User.unit_id == unit_id, User.unit_head.is_(True), User.active.is_(True)).limit(1)) \
        is not None


def relation_holds(who: str, problem, user: User) -> bool:
    """Whether the user stands in the relation a step requires (admins take no steps)."""
    if not user.is_authenticated or not user.active or user.has_role("admin"):
        return False
    if who == DESK:
        return user.has_role("organizer")
    if who == LEADER:
        return user.has_role("leader")
    if who == DESK_OR_LEADER:
        return user.has_role("organizer", "leader")
    unit_id = problem.responsible_unit_id
    in_unit = unit_id is not None and user.unit_id == unit_id
    if who == UNIT:
        return in_unit
    if who == UNIT_HEAD:
        return in_unit and (user.unit_head or not unit_has_head(unit_id))
    if who == REPORTER:
        return problem.post.author_id == user.id
    if who == OTHERS:
        return problem.post.author_id != user.id
    return False


def may_act(step: Step, problem, user: User) -> bool:
    """The role/relation half of the rule (403 when false); admins take no step at all."""
    return relation_holds(step.who, problem, user)


CONDITIONS = {
    "public": lambda problem: problem.source == "public",
    "extension_pending": lambda problem: problem.extension_until is not None,
    "no_extension_pending": lambda problem: problem.extension_until is None,
}
CONDITION_LABELS = {"public": "只有群众建议需要回访", "extension_pending": "没有待审批的延期申请",
                    "no_extension_pending": "已有待审批的延期申请"}


def state_allows(step: Step, problem) -> bool:
    """The state half of the rule (409 when false)."""
    return problem.state in step.sources and (step.when is None or CONDITIONS[step.when](problem))


def available_steps(problem, user: User) -> list[Step]:
    """The steps this user may take on this problem now, in table order."""
    return [s for s in STEPS.values() if state_allows(s, problem) and may_act(s, problem, user)]
