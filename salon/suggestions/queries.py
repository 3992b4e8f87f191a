"""群众建议 lists: the desk's queue, an officer's registrations, problems a suggestion is like."""
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..extensions import db
from ..problems.models import Problem
from .models import Suggestion


def queue_query(user: User, status: str = "", channel: str = ""):
    """The desk and leaders see all (待处理 first, oldest first); an officer their own."""
    query = db.select(Suggestion).options(joinedload(Suggestion.unit),
                                          joinedload(Suggestion.problem))
    if not user.has_role("organizer", "leader"):
        query = query.where(Suggestion.registered_by_id == user.id)
    if status:
        query = query.where(Suggestion.status == status)
    if channel:
        query = query.where(Suggestion.channel == channel)
    waiting = db.case((Suggestion.status == "new", 0), else_=1)
    return query.order_by(waiting, db.case((Suggestion.status == "new", Suggestion.id),
                                           else_=-Suggestion.id))


def similar_problems_for(suggestion: Suggestion, limit: int = 5) -> list[Problem]:
    """Problems like this suggestion, by the search engine's similar-problems look-up: to
    merge a duplicate rather than open a second problem."""
    from ..search.services import similar_problems

    try:
        posts = similar_problems("", f"{suggestion.text}\n{suggestion.place}", limit)
    except Exception:  # the desk's page matters more than its side panel
        from flask import current_app

        current_app.logger.exception("相似问题检索失败")
        return []
    return [post.problem for post in posts if post.problem is not None]


def suggestions_of_problem(problem_id: int) -> list[Suggestion]:
    """The suggestions that became or joined this problem (the link back)."""
    return db.session.scalars(db.select(Suggestion).where(Suggestion.problem_id == problem_id)
                              .order_by(Suggestion.id)).all()


def waiting_count(user: User) -> int:
    """我的待办: the desk's untriaged suggestions (one COUNT)."""
    if not user.has_role("organizer"):
        return 0
    return db.session.scalar(db.select(db.func.count(Suggestion.id))
                             .where(Suggestion.status == "new")) or 0


def waiting_page(user: User, paging):
    """我的待办: a page of the desk's untriaged suggestions, oldest first."""
    query = queue_query(user, "new") if user.has_role("organizer") else queue_query(
        user).where(db.false())
    return db.paginate(query, page=paging.page, per_page=paging.limit, error_out=False)
