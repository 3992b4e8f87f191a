"""所长审核: with SALON_POST_REVIEW=unit_head an officer's post waits for their unit head.

A submitted post goes `draft → pending → submitted` when its author is reviewed, else
`draft → submitted` as before. Everything that shows posts bureau-wide reads
`status == "submitted"`, so a pending post stays out of lists, search, the API, related
posts and the bulletin without any of them knowing about review.

- Who is reviewed: officers who are not their unit's head. Heads, organizers and leaders
  publish at once.
- Who reviews: the active heads of the post's unit (the author's unit when writing), other
  than the author; where the unit has none, the desk (organizers) — the post page says so;
  where there is no organizer either, nobody could review, so the post is published.
- Approve → submitted (the problem record is opened then, as on a direct submission);
  return (comment required) → draft with the comment shown to the author, who resubmits.
  Two reviewers at once: a conditional UPDATE lets one win, the other gets 409.
- Switching review off does not release pending posts: they wait for their reviewer (the
  review panel and 我的待办 stay), or their author withdraws and resubmits them, which then
  publishes at once. Switching it on hides nothing already published.
"""
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app
from sqlalchemy import and_, exists, false, or_, update
from sqlalchemy.orm import joinedload

from ..accounts.models import Unit, User
from ..accounts.services import unit_heads, users_with_role
from ..errors import Conflict, InvalidInput, NotAllowed
from ..extensions import db
from ..notifications.services import notify
from ..timeutil import now
from .models import Post, PostReview
from .signals import post_submitted

MODES = ("", "unit_head")
COMMENT_MAX = 2_000
DECISIONS = {"approve": "审核通过", "return": "退回修改"}


_paused: ContextVar[bool] = ContextVar("post_review_paused", default=False)


@contextmanager
def paused():
    """Submissions publish at once inside this block (the demo's published history)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def review_on() -> bool:
    """Whether new submissions are reviewed (SALON_POST_REVIEW)."""
    if _paused.get():
        return False
    mode = current_app.config["POST_REVIEW"] or ""
    if mode not in MODES:
        raise RuntimeError(f"SALON_POST_REVIEW 应为空或 unit_head，而不是 {mode!r}。")
    return mode == "unit_head"


def exempt(user: User) -> bool:
    """Heads, organizers and leaders publish without review."""
    return user.unit_head or user.role in ("organizer", "leader")


def will_be_reviewed(user: User) -> bool:
    """Whether this user's next submission waits for review (the editor's wording)."""
    return review_on() and not exempt(user)


def reviewers(post: Post) -> tuple[list[User], bool]:
    """Who reviews this post now, and whether that is the desk (the unit has no head)."""
    heads = [u for u in unit_heads(post.unit_id) if u.id != post.author_id]
    if heads:
        return heads, False
    return [u for u in users_with_role("organizer") if u.id != post.author_id], True


def desk_units() -> str:
    """The desk's unit(s), for “本单位未设所长，由治安大队审核”."""
    names = sorted({u.unit.name for u in users_with_role("organizer")})
    return "、".join(names) or "组织者"


def headed_units() -> set[int]:
    """Ids of the units with an active head (the others' posts go to the desk)."""
    return set(db.session.scalars(db.select(User.unit_id).where(
        User.unit_head.is_(True), User.active.is_(True)).distinct()))


def waiting_text(post: Post) -> str:
    """“等待所长审核”, or who reviews for a unit without a head."""
    _people, desk = reviewers(post)
    if desk:
        return f"本单位未设{post.head_title}，等待{desk_units()}审核"
    return f"等待{post.head_title}审核"


def can_review(post: Post, user: User) -> bool:
    """Whether this user may approve or return this post now."""
    if not user.is_authenticated or not post.is_pending or user.id == post.author_id:
        return False
    if user.unit_head and user.unit_id == post.unit_id and user.active:
        return True
    people, desk = reviewers(post)
    return desk and user in people


def publish(post: Post) -> None:
    """Visible bureau-wide: a problem report's SARA fields go to the problems feature."""
    post.status = "submitted"
    fields = (post.problem_draft or {"source": "officer"}) if post.kind == "problem" else {}
    post.problem_draft = None
    post_submitted.send(post, fields=fields)


def submit(post: Post) -> None:
    """The author submits: for review where it applies and someone can review, else publish."""
    if will_be_reviewed(post.author):
        send_for_review(post)
    else:
        publish(post)


def send_for_review(post: Post) -> None:
    """Pending, and its reviewers told; published where nobody could review it."""
    people, desk = reviewers(post)
    if not people:
        publish(post)
        return
    post.status = "pending"
    db.session.flush()  # a new post gets its id (the link and the audit row)
    _record(post, post.author, "submit")
    again = "修改后重新提交" if post.review_decision == "return" else "提交"
    unit = db.session.get(Unit, post.unit_id)
    notify(people, "post", f"{post.author.name}（{unit.name}）{again}了稿件《{post.title}》，"
           f"等待您审核{'（本单位未设所长，由' + desk_units() + '审核）' if desk else ''}。",
           link=f"/posts/{post.id}", exclude=post.author)


def withdraw(post: Post) -> None:
    """The author takes a pending post back to draft (to rework it, or to publish it at once
    after review was switched off)."""
    if not post.is_pending:
        return
    _claim(post, "draft")
    post.status = "draft"
    _record(post, post.author, "withdraw")


def decide(post: Post, reviewer: User, decision: str, comment: str = "") -> None:
    """Approve (published now) or return with a comment (back to the author's drafts).

    The caller commits. A post already decided — by someone else a moment ago — is a 409."""
    comment = (comment or "").strip()
    if decision not in DECISIONS:
        raise InvalidInput("审核结论应为“通过”（approve）或“退回修改”（return）。", "decision")
    if decision == "return" and not comment:
        raise InvalidInput("退回修改须填写意见，告诉作者要改什么。", "comment")
    if len(comment) > COMMENT_MAX:
        raise InvalidInput(f"审核意见最多 {COMMENT_MAX} 字。", "comment")
    if not post.is_pending:
        raise Conflict(_already(post))
    if not can_review(post, reviewer):
        raise NotAllowed("只有作者所在单位的所长（未设所长的单位由组织者）可以审核该稿件。")
    _claim(post, "submitted" if decision == "approve" else "draft")
    post.reviewer, post.reviewed_at = reviewer, now()
    post.review_decision, post.review_comment = decision, comment or None
    _record(post, reviewer, decision, comment)
    if decision == "approve":
        publish(post)
        notify([post.author], "post", f"您的稿件《{post.title}》已由{reviewer.name}审核通过，"
               "全局民警可见。", link=f"/posts/{post.id}", exclude=reviewer)
    else:
        post.status = "draft"
        notify([post.author], "post", f"您的稿件《{post.title}》被{reviewer.name}退回修改："
               f"{comment}", link=f"/posts/{post.id}", exclude=reviewer)


def _claim(post: Post, to: str) -> None:
    """Move the row out of `pending` only if it still is: of two reviewers, one wins."""
    moved = db.session.execute(
        update(Post).where(Post.id == post.id, Post.status == "pending").values(status=to),
        execution_options={"synchronize_session": False}).rowcount
    if moved != 1:
        db.session.refresh(post)
        raise Conflict(_already(post))


def _already(post: Post) -> str:
    if post.status == "submitted":
        return "该稿件已审核通过（可能刚由其他审核人处理），无需再审。"
    if post.status == "draft":
        return "该稿件已退回作者或已撤回，不在待审核状态。"
    return "该稿件不在待审核状态。"


def _record(post: Post, actor: User, action: str, comment: str = "") -> None:
    db.session.add(PostReview(post_id=post.id, actor_id=actor.id, action=action,
                              comment=comment, at=now()))


def history(post: Post) -> list[PostReview]:
    """The post's review steps, oldest first."""
    return list(db.session.scalars(db.select(PostReview).where(PostReview.post_id == post.id)
                                   .order_by(PostReview.id)))


def panel(post: Post, user: User) -> dict | None:
    """What the post page says of its review, to this user; None when there is nothing."""
    involved = user.id == post.author_id or can_review(post, user)
    if post.is_pending:
        people, desk = reviewers(post)
        return {"state": "pending", "reviewers": people, "desk": desk, "desk_units":
                desk_units() if desk else "", "may_review": can_review(post, user),
                "history": history(post) if involved else []}
    if post.is_returned and user.id == post.author_id:
        state = "returned"
    elif post.is_published and post.review_decision == "approve":
        state = "approved"
    else:
        return None
    return {"state": state, "reviewers": [], "desk": False, "desk_units": "",
            "may_review": False, "history": history(post) if involved else []}


# --- what waits on a reviewer (我的待办) -------------------------------------------------------

def _waiting_for(user: User):
    """Pending posts this user reviews: their unit's (as its head), or, for an organizer,
    those of units without another active head."""
    ways = []
    if user.unit_head:
        ways.append(Post.unit_id == user.unit_id)
    if user.role == "organizer":
        other_head = exists().where(User.unit_id == Post.unit_id, User.unit_head.is_(True),
                                    User.active.is_(True), User.id != Post.author_id)
        ways.append(~other_head)
    if not user.is_authenticated or not user.active or not ways:
        return false()
    return and_(Post.status == "pending", Post.author_id != user.id, or_(*ways))


def waiting_count(user: User) -> int:
    """The badge's share: no query for the many who review nothing (neither a unit head nor
    an organizer), since it is asked on every page."""
    if not (user.is_authenticated and user.active
            and (user.unit_head or user.role == "organizer")):
        return 0  # what _waiting_for answers with false()
    return db.session.scalar(db.select(db.func.count(Post.id)).where(_waiting_for(user))) or 0


def waiting_query(user: User):
    """Oldest first: the one waiting longest is reviewed first."""
    return (db.select(Post).where(_waiting_for(user))
            .options(joinedload(Post.author), joinedload(Post.unit))
            .order_by(Post.updated_at, Post.id))
