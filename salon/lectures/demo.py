"""Demo: 城关派出所's 民警周末学校 every Friday (expert talks, 以身说法, the legal officer's
self-inspection findings) with materials and sign-ins, and the other kinds of 讲坛."""
import io
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta

from flask import current_app

from ..accounts.models import Unit, User
from ..extensions import db
from ..problems.models import Problem
from ..salons.models import Salon
from ..timeutil import today
from .materials import add_material
from .services import LectureInput, save_lecture, sign_in

# kind, weeks ago (Fridays), unit, speaker (username or outside name), title, summary
LECTURES = [
    ("weekend_school", 4, "城关派出所", "县检察院检察官 王某", "执法办案中的证据规范",
     "检察官结合近年退查案件，剖析现场勘查、询问笔录、证据固定中的常见问题。"),
    ("weekend_school", 3, "城关派出所", "minjing6", "以身说法：一起群众投诉的反思",
     "民警讲述自己接处警时态度生硬被投诉的经过，以及之后怎样改进。"),
    ("weekend_school", 2, "城关派出所", "minjing1", "兼职法制员讲评：本季度执法自查发现的问题",
     "兼职法制员逐条讲评自查发现的问题：受案登记不及时、涉案财物台账不全、告知书漏签。"),
    ("weekend_school", 1, "城关派出所", "某大学法学院教授 李某", "治安调解的法律边界",
     "哪些纠纷可以调解、调解协议的效力、调解不成如何衔接。"),
    ("forum", 5, "治安大队", "minjing3", "赶场警务：小分队怎样在赶场天巡逻",
     "在赶场天组织 2 名民警 4 名协警的小分队，巡逻菜市场、车站，兼做流动调解。"),
    ("case", 6, "夏集派出所", "minjing2", "以案说法：一起冒充客服退款诈骗案",
     "从报案到止付，讲清诈骗套路和群众防范要点。"),
    ("expert", 7, "治安大队", "市公安局反诈中心 陈某", "电信网络诈骗的新手法", ""),
]


def seed() -> None:
    """Record the demo lectures (materials for the weekly school); the caller commits."""
    organizer = db.session.scalar(db.select(User).where(User.role == "organizer")
                                  .order_by(User.id))
    if organizer is None:
        return
    users = {u.username: u for u in db.session.scalars(db.select(User))}
    units = {u.name: u for u in db.session.scalars(db.select(Unit))}
    friday = today() - timedelta(days=(today().weekday() - 4) % 7 or 7)
    salon = db.session.scalar(db.select(Salon).order_by(Salon.number.desc()))
    problems = db.session.scalars(db.select(Problem).order_by(Problem.id).limit(2)).all()
    for index, (kind, weeks, unit, speaker, title, summary) in enumerate(LECTURES):
        held_on = friday - timedelta(weeks=weeks - 1)
        who = users.get(speaker)
        lecture = save_lecture(organizer, LectureInput(
            kind=kind, held_on=held_on, unit_id=units[unit].id, title=title, summary=summary,
            speaker_id=who.id if who else None, speaker_name="" if who else speaker,
            salon_id=salon.id if salon is not None and kind == "forum" else None,
            problem_ids=[p.id for p in problems] if "自查" in title else []))
        if kind == "weekend_school":
            _attend(lecture, [u for u in users.values() if u.unit_id == units[unit].id
                              and u.role != "admin"] + [organizer])
        if index in (0, 2):
            add_material(lecture, organizer, f"{title}.pdf", _handout(title, summary, held_on))
            add_material(lecture, organizer, "自查问题清单.xlsx" if index == 2 else "签到表.xlsx",
                         _sheet(title))


def _attend(lecture, people: list[User]) -> None:
    for person in people:
        sign_in(lecture, person)


def _sheet(title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append([title])
    sheet.append(["序号", "问题", "整改措施", "责任民警"])
    sheet.append([1, "受案登记不及时", "当日受案当日录入", "张伟"])
    sheet.append([2, "涉案财物台账不全", "每周五核对台账", "孙立群"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _handout(title: str, summary: str, held_on: date) -> bytes:
    """A one-page handout laid out by the bulletin's renderer (its fonts, its fetcher)."""
    from ..bulletin.render.layout import RenderJob
    from ..bulletin.render.tasks import render_whole
    from ..bulletin.render.workers import worker_context

    html = (f"<html lang='zh-CN'><head><meta charset='utf-8'><style>@page{{size:A4;margin:25mm}}"
            f"body{{font-family:'Noto Serif SC'}}h1{{font-size:22pt;text-align:center}}"
            f"</style></head><body><h1>{title}</h1><p style='text-align:center'>民警周末学校 · "
            f"{held_on:%Y年%m月%d日}</p><p>{summary}</p></body></html>")
    job = RenderJob(html, current_app.static_folder, current_app.config["STORAGE_DIR"], {})
    with ProcessPoolExecutor(1, mp_context=worker_context()) as pool:
        return pool.submit(render_whole, job).result().pdf
