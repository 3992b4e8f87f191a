"""Who is told of a step: each hand-over notifies the people who must act next (消息中心).

Written in the transaction of the step itself, so a step that rolls back tells nobody.
"""
from ..accounts.models import User
from ..extensions import db
from .models import Problem, ProblemEvent
from .workflow import Step

# Whom each step hands work to (besides the reporter and co-signers on a change of state).
UNIT_TOLD = {"assign", "reassign", "urge", "reject", "approve_extension", "deny_extension",
             "instruct"}
DESK_TOLD = {"sign", "return", "report", "request_extension", "dispute"}
LEADERS_TOLD = {"report"}


def _active(query) -> list[User]:
    return list(db.session.scalars(query.where(User.active.is_(True)).order_by(User.id)))


def unit_members(unit_id: int | None) -> list[User]:
    if unit_id is None:
        return []
    return _active(db.select(User).where(User.unit_id == unit_id, User.role != "admin"))


def with_role(*roles: str) -> list[User]:
    return _active(db.select(User).where(User.role.in_(roles)))


def recipients(problem: Problem, step: Step, event: ProblemEvent) -> list[User]:
    """Everyone this step concerns, once each, never the actor."""
    people: list[User] = []
    reopened = event.from_state != event.to_state and event.to_state == "in_progress"
    if step.action in UNIT_TOLD or reopened or (step.action == "urge" and problem.deadline):
        people += unit_members(problem.responsible_unit_id)
    if step.action in DESK_TOLD or reopened:
        people += with_role("organizer")
    if step.action in LEADERS_TOLD:
        people += with_role("leader")
    if event.from_state != event.to_state:
        people.append(problem.post.author)
        people += [c.user for c in problem.cosigns]
    seen, unique = {event.actor_id}, []
    for person in people:
        if person.id not in seen and person.active:
            seen.add(person.id)
            unique.append(person)
    return unique


def message(problem: Problem, step: Step, event: ProblemEvent) -> str:
    actor = event.actor
    title = problem.post.title
    head = f"{actor.name}（{actor.unit.name}）{step.label}了问题 #{problem.id}“{title}”"
    if event.from_state != event.to_state:
        head += f"，现为“{problem.state_label}”"
    note = (event.note or "").strip()
    return head + (f"：{note[:120]}" if note else "。")


def notify_step(problem: Problem, actor: User, step: Step, event: ProblemEvent) -> None:
    """Tell everyone the step concerns (one notice each, keyed by the event)."""
    people = recipients(problem, step, event)
    if people:
        deliver(people, "problem", message(problem, step, event),
                link=f"/posts/{problem.post_id}#problem-panel-title",
                dedupe_key=f"problem-event:{event.id}")


def deliver(people: list[User], kind: str, text: str, link: str, dedupe_key: str) -> None:
    """Hand the notices to the 消息中心 (bound to notifications.services.notify on merge)."""
