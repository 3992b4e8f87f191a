"""Problem workflow rules."""
from ..accounts.models import User
from ..extensions import db
from ..posts.models import Post
from .models import Problem, ProblemEvent


def open_problem(post: Post, reporter: User, **fields) -> Problem:
    """A submitted problem report gets its tracking record in state `raised`."""
    if post.problem is not None:
        return post.problem
    problem = Problem(post=post, state="raised", **fields)
    db.session.add(problem)
    db.session.add(ProblemEvent(problem=problem, actor=reporter, action="raise",
                                from_state=None, to_state="raised", note="提出问题"))
    return problem
