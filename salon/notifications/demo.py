"""Demo messages: what the demo's problem steps tell people, where the steps wrote none.

Once every step notifies in its own transaction, the demo's played steps write their own
messages and this seed adds nothing; until then it derives them from the recorded events.
"""
from datetime import timedelta

from ..accounts.services import heads_or_members, users_with_role
from ..extensions import db
from ..problems.models import STATES, Problem, ProblemEvent
from ..timeutil import now
from .models import Notification
from .services import notify


def seed() -> None:
    if db.session.scalar(db.select(db.func.count(Notification.id))):
        return
    desk = users_with_role("organizer")
    events = db.session.scalars(db.select(ProblemEvent).order_by(ProblemEvent.id)).all()
    for event in events:
        problem: Problem = event.problem
        title, link = problem.post.title, f"/posts/{problem.post_id}"
        key = f"demo:{event.id}"
        if event.action == "raise":
            notify(desk, "problem", f"新问题待受理：“{title}”。", link, key, exclude=event.actor)
        elif event.action == "assign" and problem.responsible_unit_id:
            notify(heads_or_members(problem.responsible_unit_id), "problem",
                   f"问题“{title}”已交办{problem.responsible_unit.name}，请签收办理。", link, key)
        elif event.from_state != event.to_state and event.action != "raise":
            notify([problem.post.author], "problem",
                   f"您提出的问题“{title}”{STATES.get(event.to_state, event.to_state)}。",
                   link, key, exclude=event.actor)
    db.session.flush()
    # Back-date each message to its event, and treat those older than a week as read.
    for notification in db.session.scalars(db.select(Notification)):
        event = db.session.get(ProblemEvent, int(notification.dedupe_key.split(":")[1]))
        notification.created_at = event.at
        if event.at < now() - timedelta(days=7):
            notification.read_at = event.at + timedelta(hours=3)
