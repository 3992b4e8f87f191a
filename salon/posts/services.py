"""Post queries and rules: who may see, write and edit what; saving, submitting, flags, comments."""
import re
from dataclasses import dataclass, field

from sqlalchemy.orm import joinedload, selectinload

from .. import markup
from ..accounts.models import Unit, User
from ..errors import DomainError, InvalidInput
from ..extensions import db
from ..salons import rhythm
from ..salons.current import current_salon
from ..salons.models import Salon
from ..textnorm import ascii_int
from . import review
from .models import KINDS, Comment, Post, Tag
from .signals import post_revised

WRITER_ROLES = ("officer", "organizer", "leader")
WRITABLE_SALON_STATUSES = ("planning", "open", "held")
TITLE_MAX = 200
BODY_MAX = 50_000
SARA_MAX = 5_000
COMMENT_MAX = 2_000
TAG_MAX = 40
TAGS_PER_POST = 10
SARA_FIELDS = ("scan", "analysis", "proposal", "source")
FLAGS = {"in_bulletin": "入选专刊", "exemplary": "典型经验"}
_TAG_SEPARATORS = re.compile(r"[\s,，、;；]+")


class PostError(DomainError):
    """A rule about posts was broken; the message is for the user, `status` the answer."""


@dataclass
class PostInput:
    """What a writer sends for a post, from the form, the API or an import."""

    kind: str
    title: str
    body: str
    salon: Salon | None
    tags: list[str] = field(default_factory=list)
    problem: dict = field(default_factory=dict)
    submit: bool = True


@dataclass
class PostFilters:
    """The list page's filters; empty values filter nothing."""

    kind: str = ""
    salon: str = ""
    unit: int | None = None
    tag: str = ""
    author: int | None = None
    drafts: bool = False

    @classmethod
    def from_args(cls, args) -> "PostFilters":
        """Read filters from query arguments, ignoring values that cannot be right."""
        kind = args.get("kind", "")
        return cls(
            kind=kind if kind in KINDS else "",
            salon=args.get("salon", "").strip()[:7],
            unit=ascii_int(args.get("unit")),
            tag=args.get("tag", "").strip()[:TAG_MAX],
            author=ascii_int(args.get("author")),
            drafts=args.get("drafts") == "1",
        )


def _with_list_data(query):
    """Load what list pages show in two queries (no N+1): the one-per-post rows joined in,
    the tags (many per post) by a second query."""
    return query.options(
        joinedload(Post.author), joinedload(Post.unit), joinedload(Post.salon),
        joinedload(Post.problem), selectinload(Post.tags),
    )


def visible_posts():
    """Submitted posts, with what list pages show loaded up front (no N+1)."""
    return _with_list_data(db.select(Post).where(_is_submitted()))


def _is_submitted():
    """`status = 'submitted'`, written so that no index serves it.

    Nearly every post is submitted, so the status index narrows nothing; but without
    statistics SQLite guesses it does, reads every post through it and sorts them all for a
    page of 20. Kept off that index, it walks the created_at index newest first and stops
    after the page (README: 页面速度).
    """
    return Post.status.concat("") == "submitted"


def newest_posts(limit: int) -> list[Post]:
    return db.session.scalars(visible_posts().order_by(Post.created_at.desc()).limit(limit)).all()


SHOWCASE_PER_UNIT = 10


def exemplary_by_unit(limit: int | None = None, per_unit: int | None = None) -> list[tuple]:
    """典型经验 grouped by unit (一所一品牌): [(unit, [newest posts], how many in all)],
    units with the most first; at most `per_unit` posts each, however many there are."""
    per_unit = per_unit or SHOWCASE_PER_UNIT
    exemplary = [Post.exemplary.is_(True), _is_submitted()]
    counts = db.session.execute(  # plain status: the showcase index covers this count
        db.select(Post.unit_id, db.func.count()).where(
            Post.exemplary.is_(True), Post.status == "submitted")
        .group_by(Post.unit_id)).all()
    units = {u.id: u for u in db.session.scalars(
        db.select(Unit).where(Unit.id.in_([unit_id for unit_id, _ in counts])))}
    ranked = sorted(counts, key=lambda row: (-row[1], units[row[0]].name))[:limit]
    rank = db.func.row_number().over(partition_by=Post.unit_id,
                                     order_by=(Post.created_at.desc(), Post.id.desc()))
    newest = (db.select(Post.id, rank.label("n"))
              .where(*exemplary, Post.unit_id.in_([unit_id for unit_id, _ in ranked]))
              .subquery())
    posts = db.session.scalars(
        visible_posts().join(newest, newest.c.id == Post.id).where(newest.c.n <= per_unit)
        .order_by(Post.created_at.desc(), Post.id.desc())).all()
    return [(units[unit_id], [p for p in posts if p.unit_id == unit_id], count)
            for unit_id, count in ranked]


def filtered_posts(filters: PostFilters, user: User):
    """The list query: submitted posts (or the user's own drafts and posts awaiting review)
    matching the filters."""
    if filters.drafts:
        query = _with_list_data(db.select(Post).where(Post.status.in_(UNPUBLISHED),
                                                      Post.author_id == user.id))
    else:
        query = visible_posts()
    if filters.kind:
        query = query.where(Post.kind == filters.kind)
    if filters.salon:
        query = query.where(Post.salon.has(Salon.month == filters.salon))
    if filters.unit:
        query = query.where(Post.unit_id == filters.unit)
    if filters.author:
        query = query.where(Post.author_id == filters.author)
    if filters.tag:
        query = query.where(Post.tags.any(Tag.name == filters.tag))
    return query.order_by(Post.created_at.desc(), Post.id.desc())


UNPUBLISHED = ("draft", "pending")


def draft_count(user: User) -> int:
    """How many drafts (and posts awaiting review) the user has (the 我的草稿 tab)."""
    return db.session.scalar(db.select(db.func.count(Post.id)).where(
        Post.status.in_(UNPUBLISHED), Post.author_id == user.id))


# --- who may do what -------------------------------------------------------------------------

def can_write(user: User) -> bool:
    """Officers, organizers and leaders write posts; admins manage users, not content."""
    return user.is_authenticated and user.has_role(*WRITER_ROLES)


def can_view(post: Post, user: User) -> bool:
    """Submitted posts are for every signed-in user; a draft only for its author; a post
    awaiting review for its author and its reviewers."""
    return user.is_authenticated and (post.status == "submitted" or post.author_id == user.id
                                      or review.can_review(post, user))


def edit_refusal(post: Post, user: User) -> str | None:
    """Why this user may not edit this post, or None when they may."""
    if not user.is_authenticated or post.author_id != user.id:
        return "只有作者本人可以修改稿件。"
    if post.salon is not None and post.salon.status == "published":
        return "该期专刊已出刊，稿件不能再修改。"
    return None


def can_edit(post: Post, user: User) -> bool:
    return edit_refusal(post, user) is None


def can_flag(user: User) -> bool:
    """Organizers choose posts for the bulletin and mark exemplary ones."""
    return user.is_authenticated and user.has_role("organizer")


# --- reading input ---------------------------------------------------------------------------

def parse_tags(value: str | list | None) -> list[str]:
    """Tags from `警务室, 调解 、 矛盾` or a list: trimmed, without '#', unique, in order."""
    if value is None:
        return []
    if isinstance(value, str):
        value = _TAG_SEPARATORS.split(value)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PostError("标签格式不正确，应为文字列表。")
    names: list[str] = []
    for raw in value:
        name = raw.strip().lstrip("#＃").strip()
        if not name or name in names:
            continue
        if len(name) > TAG_MAX:
            raise PostError(f"标签“{name[:10]}…”过长（最多 {TAG_MAX} 字）。")
        names.append(name)
    if len(names) > TAGS_PER_POST:
        raise PostError(f"标签最多 {TAGS_PER_POST} 个。")
    return names


def writable_salons() -> list[Salon]:
    """Salons a post may be written for: planning, open or held (not yet published)."""
    return db.session.scalars(
        db.select(Salon).where(Salon.status.in_(WRITABLE_SALON_STATUSES))
        .order_by(Salon.number.desc())
    ).all()


def default_salon() -> Salon | None:
    """The salon a new post is for: the current one (the next meeting still collecting),
    while it takes posts, else the newest writable one."""
    current = current_salon()
    if current is not None and current.status in WRITABLE_SALON_STATUSES:
        return current
    salons = writable_salons()
    return salons[0] if salons else None


def check_input(data: PostInput) -> None:
    """Refuse input no post may hold, with a message that says what to fix."""
    from ..problems.models import SOURCES

    if data.kind not in KINDS:
        raise PostError("稿件类型须为“经验交流”或“问题反映”。")
    if not data.title.strip():
        raise PostError("请填写标题。")
    if len(data.title) > TITLE_MAX:
        raise PostError(f"标题最多 {TITLE_MAX} 字。")
    if data.submit and not data.body.strip():
        raise PostError("请填写正文。")
    if len(data.body) > BODY_MAX:
        raise PostError(f"正文最多 {BODY_MAX} 字。")
    check_markdown(data.body.strip(), "正文", "body")
    if data.salon is None:
        raise PostError("请选择所属沙龙。")
    if data.salon.status not in WRITABLE_SALON_STATUSES:
        raise PostError(f"{data.salon.label}已出刊，不能再投稿。", status=409)
    if data.kind == "problem":
        source = data.problem.get("source") or "officer"
        if source not in SOURCES:
            raise PostError("问题来源须为民警提出、群众建议或走访调研。")
        for name in ("scan", "analysis", "proposal"):
            if len(data.problem.get(name) or "") > SARA_MAX:
                raise PostError(f"扫描、分析、应对建议各最多 {SARA_MAX} 字。")


def check_markdown(text: str, label: str, field: str) -> None:
    """Render now (kept for the save that follows): a text over the budget is refused here,
    beside its form field, rather than by the model's listener."""
    try:
        markup.render(text, label, field)
    except InvalidInput as error:
        raise PostError(error.message, field=field) from None


def tags_named(names: list[str]) -> list[Tag]:
    """The Tag rows for these names, creating the new ones."""
    if not names:
        return []
    existing = {t.name: t for t in db.session.scalars(db.select(Tag).where(Tag.name.in_(names)))}
    tags = []
    for name in names:
        tag = existing.get(name)
        if tag is None:
            tag = existing[name] = Tag(name=name)
            db.session.add(tag)
        tags.append(tag)
    return tags


# --- changing posts --------------------------------------------------------------------------

def _problem_fields(data: PostInput) -> dict:
    fields = {name: (data.problem.get(name) or "").strip() for name in SARA_FIELDS}
    fields["source"] = fields["source"] or "officer"
    return fields


def _apply(post: Post, data: PostInput) -> None:
    post.kind = data.kind
    post.title = data.title.strip()
    post.body = data.body.strip()
    post.salon = data.salon
    post.tags = tags_named(data.tags)
    if not post.is_published:
        post.problem_draft = _problem_fields(data) if data.kind == "problem" else None


def create_post(author: User, data: PostInput) -> Post:
    """A new post by `author` (their unit recorded now); submitted at once if asked."""
    check_input(data)
    post = Post(author=author, unit_id=author.unit_id, status="draft")
    db.session.add(post)
    _apply(post, data)
    if data.submit:
        submit_post(post)
    return post


def update_post(post: Post, editor: User, data: PostInput) -> Post:
    """The author changes their post; a draft may be submitted, a submitted post stays so.

    A post awaiting review stays so when saved; saved as a draft, it is withdrawn."""
    refusal = edit_refusal(post, editor)
    if refusal:
        raise PostError(refusal, status=403)
    if post.kind != data.kind and post.is_published:
        raise PostError("已提交的稿件不能更改类型。", status=409)
    check_input(data)
    _apply(post, data)
    if post.is_draft and data.submit:
        submit_post(post)
    elif post.is_pending and not data.submit:
        review.withdraw(post)
    elif post.is_published and post.kind == "problem":
        post_revised.send(post, fields=_problem_fields(data))
    return post


def submit_post(post: Post) -> None:
    """Submit: published at once, or first reviewed by the 所长 (see review.py). After the
    salon's call for posts closed, only with the organizer's leave — or when it is a post
    that was submitted in time and returned by its reviewer."""
    if (post.salon is not None and post.review_decision != "return"
            and not rhythm.may_submit(post.salon, post.author)):
        raise PostError(f"{post.salon.label}征稿已于{post.salon.call_deadline:%Y年%m月%d日}截止。"
                        "稿件已可存为草稿；如需补交，请联系治安大队准许迟交。", status=409)
    review.submit(post)


def toggle_flag(post: Post, user: User, flag: str) -> bool:
    """Organizers switch 入选专刊 / 典型经验 on a submitted post; returns the new value."""
    if flag not in FLAGS:
        raise PostError("未知的标记。", status=404)
    if not can_flag(user):
        raise PostError("只有组织者可以设置入选专刊和典型经验。", status=403)
    if not post.is_published:
        raise PostError("未发布的稿件（草稿或待审核）不能入选专刊或评为典型经验。", status=409)
    if flag == "in_bulletin" and post.salon is not None and post.salon.status == "published":
        raise PostError("该期专刊已出刊，入选稿件不能再更改。", status=409)
    value = not getattr(post, flag)
    setattr(post, flag, value)
    return value


def add_comment(post: Post, user: User, body: str) -> Comment:
    """A signed-in user comments on a post they can see."""
    body = (body or "").strip()
    if not can_view(post, user):
        raise PostError("无权评论此稿件。", status=403)
    if not body:
        raise PostError("评论内容不能为空。")
    if len(body) > COMMENT_MAX:
        raise PostError(f"评论最多 {COMMENT_MAX} 字。")
    comment = Comment(post=post, author=user, body=body)
    db.session.add(comment)
    return comment
