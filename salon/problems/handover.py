"""Who is told of a step: each hand-over notifies the people who must act next (消息中心).

Written in the transaction of the step itself, so a step that rolls back tells nobody.
"""
from ..accounts.models import Unit, User
from ..accounts.services import unit_members, users_with_role
from ..extensions import db
from ..notifications.services import notify
from .models import Problem, ProblemEvent
from .workflow import DONE_STATES, Step

# Whom each step hands work to (besides the reporter and co-signers on a change of state).
UNIT_TOLD = {"assign", "reassign", "urge", "reject", "approve_extension", "deny_extension",
             "instruct"}
DESK_TOLD = {"sign", "return", "report", "request_extension", "dispute"}
LEADERS_TOLD = {"report"}


def recipients(problem: Problem, step: Step, event: ProblemEvent) -> list[User]:
    """Everyone this step concerns, once each, never the actor."""
    people: list[User] = []
    reopened = event.from_state in DONE_STATES and event.to_state == "in_progress"
    if step.action in UNIT_TOLD or reopened or (step.action == "urge" and problem.deadline):
        people += unit_members(problem.responsible_unit_id)
    if step.action == "reassign" and (event.data or {}).get("previous_unit"):
        people += unit_members(_unit_id(event.data["previous_unit"]))  # it is no longer theirs
    if step.action in DESK_TOLD or reopened:
        people += users_with_role("organizer")
    if step.action in LEADERS_TOLD:
        people += users_with_role("leader")
    if event.from_state != event.to_state:
        people.append(problem.post.author)
        people += [c.user for c in problem.cosigns]
    seen, unique = {event.actor_id}, []
    for person in people:
        if person.id not in seen and person.active:
            seen.add(person.id)
            unique.append(person)
    return unique  # notify() skips repeats and the inactive too; the list is also for tests


def _unit_id(name: str) -> int | None:
    return db.session.scalar(db.select(Unit.id).where(Unit.name == name))


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
        notify(people, "problem", message(problem, step, event),
               link=f"/posts/{problem.post_id}", dedupe_key=f"problem-event:{event.id}")
