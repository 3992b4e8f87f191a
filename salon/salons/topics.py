"""选题建议: topics for the next salon from what officers met in the last months.

The salon's topic should come "从基层民警在工作中遇到的实际问题中选题". Posts of the last
months are grouped by what they share: a tag, or one of the words the search index finds
most telling in them (its own analyzer and document frequencies, not a second engine).
A group is worth what the problems in it weigh: how many raised or co-signed them, how
long they stay open, whether they are overdue or came back (反弹, a disputed result),
whether the public asked (群众建议); experiences add a little, and a theme raised by
several units counts more.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..posts.models import Post
from ..problems.models import SOURCES, Problem
from ..problems.workflow import OPEN_STATES
from ..search.services import telling_words
from ..suggestions.models import Suggestion
from ..timeutil import today
from .models import SalonTopicProblem

DEFAULT_MONTHS = 6
MAX_MONTHS = 36
MAX_POSTS = 1500  # the newest of the window: bounds the first analysis (~1 ms a post)
KEY_TERMS_PER_POST = 8
EXPERIENCE_WEIGHT = 0.5
DISCUSSED_FACTOR = 0.5  # problems an earlier salon already took as its topic
SAME_GROUP = 0.5  # Jaccard overlap at which two candidate groups are one theme…
INSIDE = 0.75  # …when most of the newcomer lies inside the theme
MOSTLY_TAKEN = 0.5  # share of a group already inside a chosen theme: skip it
BROAD = 0.5  # a word in more than this share of the window's posts tells nothing apart
# Where a problem came from is not what it is about: the tag 群众建议 that a suggestion's
# problem carries (and its title's "群众建议：") would group a burglary with a village's
# police presence. The source weighs the problem instead.
NOT_THEMES = frozenset(SOURCES.values())


@dataclass
class TopicSuggestion:
    """One proposed topic with the evidence behind it."""

    topic: str
    score: float
    terms: list[str]
    posts: list[Post] = field(default_factory=list)
    # problem id → how many 群众建议 stand behind it (adopted as it, or merged into it)
    backing: dict[int, int] = field(default_factory=dict)

    @property
    def problems(self) -> list[Problem]:
        return [p.problem for p in self.posts if p.kind == "problem" and p.problem]

    @property
    def experiences(self) -> list[Post]:
        return [p for p in self.posts if p.kind == "experience"]

    @property
    def units(self) -> list[str]:
        return sorted({p.unit.name for p in self.posts if p.unit})

    @property
    def months(self) -> list[str]:
        return sorted({p.created_at.strftime("%Y-%m") for p in self.posts})

    @property
    def month_labels(self) -> list[str]:
        """The months for the page: 2026年11月."""
        return [f"{m[:4]}年{int(m[5:])}月" for m in self.months]

    def as_json(self) -> dict:
        return {"topic": self.topic, "score": round(self.score, 2), "terms": self.terms,
                "problems": [p.id for p in self.problems], "units": self.units}


def window_start(months: int, on: date) -> datetime:
    """The first day of the month `months - 1` months before `on`'s month."""
    index = on.year * 12 + on.month - 1 - (months - 1)
    return datetime(index // 12, index % 12 + 1, 1)


def recent_posts(months: int, on: date) -> list[Post]:
    """Submitted posts of the window, with what the weights and the evidence read."""
    return db.session.scalars(
        db.select(Post).where(Post.status == "submitted",
                              Post.created_at >= window_start(months, on))
        .options(selectinload(Post.tags), selectinload(Post.unit),
                 selectinload(Post.problem).selectinload(Problem.cosigns),
                 selectinload(Post.problem).selectinload(Problem.reviews))
        .order_by(Post.created_at.desc(), Post.id.desc()).limit(MAX_POSTS)).all()


def discussed_problem_ids() -> set[int]:
    return set(db.session.scalars(db.select(SalonTopicProblem.problem_id)))


def suggestions_behind(posts: list[Post]) -> dict[int, int]:
    """Problem id → the 群众建议 linked to it (adopted as it or merged into it), one query."""
    ids = [p.problem.id for p in posts if p.kind == "problem" and p.problem]
    if not ids:
        return {}
    return dict(db.session.execute(
        db.select(Suggestion.problem_id, func.count(Suggestion.id))
        .where(Suggestion.problem_id.in_(ids)).group_by(Suggestion.problem_id)).all())


def relapses(problem: Problem) -> int:
    """How often 回头看 found the problem back (反弹)."""
    return sum(1 for review in problem.reviews if review.verdict == "relapsed")


def problem_weight(problem: Problem, on: date, discussed: set[int],
                   backing: dict[int, int] | None = None) -> float:
    """What one problem adds to its theme."""
    if problem.state == "declined":
        return EXPERIENCE_WEIGHT
    weight = 2.0 + len(problem.cosigns)
    if problem.state in OPEN_STATES:
        months_open = (on - problem.created_at.date()).days / 30
        weight += 0.5 * min(months_open, 12)
    if problem.is_overdue:
        weight += 2
    weight += 3 * problem.reopen_count + relapses(problem)
    public = (backing or {}).get(problem.id, 0)
    weight += 2 * max(public, problem.source == "public")
    return weight * (DISCUSSED_FACTOR if problem.id in discussed else 1)


def post_weight(post: Post, on: date, discussed: set[int], backing: dict[int, int]) -> float:
    if post.kind == "problem" and post.problem:
        return problem_weight(post.problem, on, discussed, backing)
    return EXPERIENCE_WEIGHT


def telling_word(term: str) -> bool:
    """Key terms worth a theme: two characters or more, not a number or a stray Latin word,
    nor the name of a source (群众建议)."""
    return len(term) >= 2 and not term.isascii() and term not in NOT_THEMES


def candidate_groups(posts: list[Post]) -> tuple[dict[str, set[int]], set[str]]:
    """Tag or telling word → the posts (indexes into `posts`) that share it, and the labels
    that are tags. A tag is an author's own word for the theme: two posts make a group; a
    shared word needs three (two titles can share a word like 乡镇 and little else)."""
    tags: dict[str, set[int]] = defaultdict(set)
    words: dict[str, set[int]] = defaultdict(set)
    texts = [f"{p.title}\n{p.title}\n{p.body}" for p in posts]
    found = telling_words(texts, KEY_TERMS_PER_POST)
    for index, (post, terms) in enumerate(zip(posts, found, strict=True)):
        for tag in post.tags:
            if tag.name not in NOT_THEMES:
                tags[tag.name].add(index)
        for term in filter(telling_word, terms):
            words[term].add(index)
    # A significant term stands out in some posts, not in most of them: a word that half the
    # window shares (a common phrase of the bureau) would swallow every real theme.
    broad = max(3, BROAD * len(posts))
    groups = {label: members for label, members in words.items()
              if 3 <= len(members) <= broad}
    groups.update((label, members | words.get(label, set()))
                  for label, members in tags.items() if len(members) >= 2)
    return groups, set(tags)


def suggest_topics(months: int = DEFAULT_MONTHS, limit: int = 5,
                   on: date | None = None) -> list[TopicSuggestion]:
    """The proposed topics, best first; empty when the window holds too little to group."""
    on = on or today()
    posts = recent_posts(months, on)
    if not posts:
        return []
    discussed = discussed_problem_ids()
    backing = suggestions_behind(posts)
    weights = [post_weight(p, on, discussed, backing) for p in posts]

    def score(members: set[int]) -> float:
        units = {posts[i].unit_id for i in members}
        return sum(weights[i] for i in members) * (1 + 0.25 * (len(units) - 1))

    groups, tag_names = candidate_groups(posts)
    candidates = [(score(members), label, members) for label, members in groups.items()
                  if any(posts[i].kind == "problem" and posts[i].problem
                         and posts[i].problem.state != "declined" for i in members)]
    # Tags first: an author's own word names a theme; a shared word then joins the theme
    # it lies inside, or stands alone where no tag covers its posts.
    candidates.sort(key=lambda c: (c[1] not in tag_names, -c[0], -len(c[2]), c[1]))
    themes: list[tuple[TopicSuggestion, set[int]]] = []
    for value, label, members in candidates:
        if not _absorbed(themes, label, members):
            posts_in = [posts[i] for i in sorted(members)]
            shown = {p.problem.id: backing[p.problem.id] for p in posts_in
                     if p.kind == "problem" and p.problem and p.problem.id in backing}
            themes.append((TopicSuggestion(label, value, [label], posts_in, shown), members))
    themes.sort(key=lambda theme: -theme[0].score)
    return [suggestion for suggestion, _ in themes[:limit]]


def _absorbed(themes, label: str, members: set[int]) -> bool:
    """True if the group is already a theme's (it then lends the theme its word) or lies
    mostly inside the themes found so far."""
    covered: set[int] = set()
    for suggestion, taken in themes:
        overlap = len(members & taken)
        if overlap / len(members | taken) >= SAME_GROUP and overlap / len(members) >= INSIDE:
            if len(suggestion.terms) < 4 and not any(label in t or t in label
                                                     for t in suggestion.terms):
                suggestion.terms.append(label)
            return True
        covered |= taken
    return len(members & covered) / len(members) >= MOSTLY_TAKEN


def link_problems(salon_id: int, problem_ids: list[int]) -> int:
    """Record that the salon took these problems as its topic; returns how many are new."""
    known = set(db.session.scalars(db.select(Problem.id).where(Problem.id.in_(problem_ids))))
    linked = set(db.session.scalars(db.select(SalonTopicProblem.problem_id)
                                    .where(SalonTopicProblem.salon_id == salon_id)))
    new = sorted(known - linked)
    db.session.add_all(SalonTopicProblem(salon_id=salon_id, problem_id=pid) for pid in new)
    return len(new)


def topic_problems(salon_id: int) -> list[Problem]:
    """The problems a salon took as its topic, oldest first."""
    return db.session.scalars(
        db.select(Problem).join(SalonTopicProblem, SalonTopicProblem.problem_id == Problem.id)
        .where(SalonTopicProblem.salon_id == salon_id)
        .options(selectinload(Problem.post)).order_by(Problem.id)).all()


def trend(suggestions: list[TopicSuggestion], months: int,
          on: date | None = None) -> tuple[list[str], list[tuple[str, list[int]]]]:
    """热点趋势: each theme's posts per month of the window (months oldest first)."""
    on = on or today()
    start = window_start(months, on)
    labels = []
    for step in range(months):
        index = start.year * 12 + start.month - 1 + step
        labels.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    rows = []
    for suggestion in suggestions:
        counts = dict.fromkeys(labels, 0)
        for post in suggestion.posts:
            month = post.created_at.strftime("%Y-%m")
            if month in counts:
                counts[month] += 1
        rows.append((suggestion.topic, [counts[m] for m in labels]))
    return labels, rows
