"""Demo: the public's suggestions from every channel (开门评警, after 简阳's 访查登记表), triaged
by the desk in every way, some answered and rated by the citizen."""
from datetime import datetime, timedelta

from ..accounts.models import Unit, User
from ..extensions import db
from ..problems.models import DONE_STATES, Problem
from ..timeutil import frozen, now
from . import services
from .models import Suggestion

# channel, days ago, unit, place, text, contact, what the desk did, citizen's verdict
SUGGESTIONS = [
    ("form", 40, "城关派出所", "人民路",
     "建议对汽车乱停乱放加大处罚力度，"
     "特别是停放在人行道阻碍交通和在人行横道上下车的情况。",
     "杨大爷 13808080001",
     ("reply", "已会同交警中队在人民路设置禁停标志，每日早晚高峰巡查。"),
     "satisfied"),
    ("meeting", 35, "夏集派出所", "工业园企业家座谈会",
     "我想知道公安机关现在针对企业发展有没有什么服务措施？", "",
     ("reply", "已建立“警企联络员”制度，"
               "每家规模企业一名联络民警，电话见园区公示栏。"),
     "basically"),
    ("sms", 33, "曹甸派出所", "曹甸镇", "希望工作态度越来越好。", "",
     ("merge", None), "satisfied"),
    ("online", 28, "氾水派出所", "氾水镇赶场街",
     "农村偏远地区能不能再增加点警察，这样的话，我们要安心很多。",
     "李女士 13908080002",
     ("adopt", "偏远乡镇赶场天见警率低"), None),
    ("visit", 20, "城关派出所", "城北小区",
     "老小区晚上八点到十点入室盗窃多，希望增加巡逻。",
     "王先生 13708080003", ("adopt", "老小区夜间入室盗窃高发"), None),
    ("phone", 12, "安宜派出所", "安宜镇",
     "派出所办户口的窗口中午不开，上班族没法办。", "",
     ("reply", "已试行中午错时延时服务，12:00–14:00 开放一个窗口。"),
     "unsatisfied"),
    ("online", 8, None, "", "把派出所搬到我们小区门口来。", "",
     ("decline", "派出所选址由县里统一规划；"
                 "您小区所在社区有警务室，每天 8:30–17:30 有民警值守。"),
     None),
    ("online", 3, "曹甸派出所", "曹甸中学门口",
     "放学时段学校门口车多人多，希望有民警护学。",
     "张老师 13608080004", None, None),
    ("form", 2, "夏集派出所", "夏集镇集贸市场",
     "集市上常有人用假币，希望提醒商户。", "", None, None),
    ("sms", 1, None, "", "电信诈骗太多了，能不能多来村里讲讲。", "", None, None),
]


def seed() -> None:
    """Register, triage and rate the demo suggestions; the caller commits."""
    desk = db.session.scalar(db.select(User).where(User.role == "organizer").order_by(User.id))
    officer = db.session.scalar(db.select(User).where(User.role == "officer").order_by(User.id))
    if desk is None or officer is None:
        return
    units = {u.name: u for u in db.session.scalars(db.select(Unit))}
    done = db.session.scalars(db.select(Problem).where(Problem.state.in_(DONE_STATES))
                              .order_by(Problem.id)).all()
    today = now()
    for channel, days, unit, place, text, contact, action, verdict in SUGGESTIONS:
        moment = today - timedelta(days=days, hours=3)
        with frozen(moment):
            data = services.SuggestionInput(
                text=text, place=place, contact=contact, channel=channel,
                unit_id=units[unit].id if unit in units else None, received_on=moment.date())
            if channel == "online":
                suggestion = services.submit_public(data)
            else:
                suggestion = services.register(officer, data)
        if action is not None:
            _triage(suggestion, desk, action, done, moment + timedelta(days=1, hours=2))
        if verdict and services.is_finished(suggestion):
            with frozen(min(moment + timedelta(days=4), today)):
                services.give_verdict(suggestion, verdict, "")


def _triage(suggestion: Suggestion, desk: User, action: tuple, done: list[Problem],
            moment: datetime) -> None:
    kind, text = action
    with frozen(min(moment, now())):
        if kind == "reply":
            services.reply(suggestion, desk, text)
        elif kind == "decline":
            services.decline(suggestion, desk, text)
        elif kind == "adopt":
            services.adopt(suggestion, desk, text)
        elif kind == "merge" and done:
            services.merge(suggestion, desk, done[0].id)
