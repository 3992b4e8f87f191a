"""Demo posts in review (所长审核): one waiting for its 所长, one returned with a comment.

They are put in those states whatever SALON_POST_REVIEW says, so `make run` shows the
review pages; with the setting on, new submissions by officers take the same road.
"""
from datetime import timedelta

from ..accounts.models import User
from ..extensions import db
from ..salons.models import Salon
from ..timeutil import now
from . import review
from .models import Post, PostReview
from .services import PostInput, create_post

PENDING = dict(author="minjing4", kind="experience", title="“警民议事会”进村入户的做法",
               tags=["矛盾调解", "群众工作"], body=(
                   "安宜派出所在辖区 12 个行政村推行“警民议事会”，每月一次，由社区民警召集。\n\n"
                   "1. 议题提前一周张贴在村务公开栏；\n2. 会上当场答复能答复的，其余列入台账；\n"
                   "3. 下次会议先通报上次台账的办理情况。\n\n"
                   "半年来共收集群众诉求 86 件，办结 79 件。"))
RETURNED = dict(author="minjing5", kind="experience", title="电动车防盗登记的几点体会",
                tags=["防盗", "电动车"], body=(
                    "氾水派出所今年为辖区群众登记电动车 1,200 余辆，安装防盗芯片。\n\n"
                    "登记后盗窃案件明显下降。"),
                comment="数字请核对后写准确（登记辆数、发案下降的对比期和比例），"
                        "并删去车主姓名和住址；改好后重新提交。", reviewer="suozhang5")


def seed() -> None:
    """The two posts, unless they are there already."""
    salon = db.session.scalar(db.select(Salon).where(Salon.status == "open")
                              .order_by(Salon.number.desc()))
    if salon is None or db.session.scalar(db.select(Post.id).where(
            Post.title.in_([PENDING["title"], RETURNED["title"]]))):
        return
    users = {u.username: u for u in db.session.scalars(db.select(User).where(
        User.username.in_([PENDING["author"], RETURNED["author"], RETURNED["reviewer"]])))}
    if len(users) < 3:
        return
    pending = _draft(PENDING, users, salon)
    review.send_for_review(pending)
    returned = _draft(RETURNED, users, salon)
    review.send_for_review(returned)
    db.session.flush()
    review.decide(returned, users[RETURNED["reviewer"]], "return", RETURNED["comment"])
    _date(pending, hours=20)
    _date(returned, hours=30)


def _draft(spec: dict, users: dict, salon: Salon) -> Post:
    return create_post(users[spec["author"]], PostInput(
        kind=spec["kind"], title=spec["title"], body=spec["body"], salon=salon,
        tags=spec["tags"], submit=False))


def _date(post: Post, hours: int) -> None:
    """Written a day or so ago; reviewed a few hours after submission."""
    written = now() - timedelta(hours=hours)
    post.created_at = post.updated_at = written
    if post.reviewed_at is not None:
        post.reviewed_at = written + timedelta(hours=4)
    for step in db.session.scalars(db.select(PostReview).where(PostReview.post_id == post.id)):
        step.at = written + (timedelta(hours=4) if step.action != "submit" else timedelta())
