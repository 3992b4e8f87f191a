"""Demo: unit profiles (辖区人口, 复杂程度), three 社区警务室, the leaders' 挂点, brands drawn from
泾源's 一所一品牌 (seed 001), and two quarters of 七率 figures so the trends show something."""
from ..accounts.models import Unit, User
from ..extensions import db
from ..timeutil import now
from .indicators import install_defaults
from .models import Brand, Figure, Indicator
from .services import current_period

# name, kind, parent, 辖区人口, 治安复杂程度系数
PROFILES = [
    ("城关派出所", "station", None, 42000, 1.4),
    ("曹甸派出所", "station", None, 26000, 1.0),
    ("夏集派出所", "station", None, 18000, 0.9),
    ("安宜派出所", "station", None, 31000, 1.2),
    ("氾水派出所", "station", None, 22000, 1.1),
    ("城东社区警务室", "post", "城关派出所", 9000, 1.3),
    ("城西社区警务室", "post", "城关派出所", 7500, 1.0),
    ("曹甸集镇警务室", "post", "曹甸派出所", 6000, 1.0),
]
# 挂点联系: each 党委委员 paired with stations and 警务室 (捆绑考评)
PAIRS = {
    "lingdao": ["城关派出所", "城东社区警务室", "夏集派出所"],
    "lingdao2": ["曹甸派出所", "安宜派出所", "氾水派出所", "城西社区警务室"],
}
# unit, brand, slogan, method (Markdown)
BRANDS = [
    ("城关派出所", "智慧社区网格化管理", "一格一警，网格里见民警",
     "以网格作为治安防控基础单元，**1 名民警 + N 名辅警、社区工作者、兼职楼长**作为每个小区的"
     "基础配置，社区党支部书记和社区民警担任网格长。\n\n"
     "- 警务室微信群每天发布辖区治安动态、防范提示；\n- 网格员采集实有人口，民警每周核对；\n"
     "- 小区监控接入派出所指挥平台，镜头站岗、鼠标巡逻。"),
    ("曹甸派出所", "“四心”工作法", "接警热心、调处耐心、办事诚心、服务贴心",
     "把群众的事当自己的事：\n\n1. 接警热心——五分钟内回应；\n2. 调处耐心——纠纷当场不结，"
     "三天内回访；\n3. 办事诚心——户籍证件一次告知；\n4. 服务贴心——老弱病残上门办理。"),
    ("夏集派出所", "社会治安管理积分制", "群防有积分，平安人人享",
     "村民参与巡逻、提供线索、化解纠纷记积分，积分可在村委兑换生活用品，"
     "年底评选“平安家庭”。"),
    ("安宜派出所", "“庭审式”矛盾纠纷排查化解", "小事不出村、大事不出乡、矛盾不上交",
     "对重大纠纷邀请司法所、法庭、村干部组成调解庭，当事双方陈述、举证、辩论，"
     "当场达成调解协议，由法庭进行司法确认。"),
    ("氾水派出所", "氾水义警", "我为你守一夜、大家为我守一月",
     "发挥“五户一长、十户一长”义务传牌巡防机制，由社区民警、辅警带队，"
     "在人员密集场所和重点部位开展巡逻防控。"),
    ("城东社区警务室", "社区警务一点通", "让信息多跑路，让群众少跑路",
     "通过“社区微信群”“警务室微信群”告知办理户籍、身份证所需手续和案件查办进度，"
     "延伸公安服务。"),
]
# The entered 七率 per unit: (2 quarters ago, last quarter) for each code; None = 缺报.
FIGURES = {
    "城关派出所": {"shuxi": (78, 85), "manyi": (88, 92), "faan": (46, 38), "jianjing": (70, 78),
               "xiansuo": (22, 27), "fangfan": (64, 71), "guankong": (90, 95)},
    "曹甸派出所": {"shuxi": (82, 84), "manyi": (91, 90), "faan": (18, 21), "jianjing": (75, 74),
               "xiansuo": (30, 28), "fangfan": (70, 72), "guankong": (93, 94)},
    "夏集派出所": {"shuxi": (86, 90), "manyi": (93, 95), "faan": (10, 8), "jianjing": (80, 85),
               "xiansuo": (35, 40), "fangfan": (75, 80), "guankong": (96, 98)},
    "安宜派出所": {"shuxi": (70, 76), "manyi": (84, 87), "faan": (35, 30), "jianjing": (66, 70),
               "xiansuo": (18, 24), "fangfan": (60, 66), "guankong": (88, 91)},
    "氾水派出所": {"shuxi": (74, 72), "manyi": (86, 83), "faan": (20, 26), "jianjing": (68, None),
               "xiansuo": (25, 20), "fangfan": (62, 61), "guankong": (90, 89)},
    "城东社区警务室": {"shuxi": (88, 93), "manyi": (92, 96), "faan": (6, 4), "jianjing": (85, 90),
                 "xiansuo": (33, 38), "fangfan": (78, 84), "guankong": (95, 97)},
    "城西社区警务室": {"shuxi": (80, 83), "manyi": (89, 90), "faan": (7, 7), "jianjing": (79, 81),
                 "xiansuo": (26, 29), "fangfan": (70, 73), "guankong": (92, 93)},
    "曹甸集镇警务室": {"shuxi": (76, None), "manyi": (87, 88), "faan": (5, 6),
                 "jianjing": (72, 75), "xiansuo": (20, 22), "fangfan": (66, 69),
                 "guankong": (90, 92)},
}
EVIDENCE = {
    "shuxi": "入户走访抽查 100 户登记表", "manyi": "群众满意度问卷 200 份（开门评警）",
    "faan": "案件系统统计（刑事、治安案件）", "jianjing": "见警率问卷 150 份",
    "xiansuo": "破案线索来源登记", "fangfan": "技防物防入户核查表", "guankong": "重点人员管控台账",
}


def seed() -> None:
    """Profiles, pairs, brands and figures for this quarter and the one before (flushed)."""
    install_defaults()
    units = {u.name: u for u in db.session.scalars(db.select(Unit))}
    for name, kind, parent, population, complexity in PROFILES:
        unit = units.get(name)
        if unit is None:
            unit = units[name] = Unit(name=name, kind=kind)
            db.session.add(unit)
        unit.population, unit.complexity = population, complexity
        unit.parent = units.get(parent) if parent else None
    users = {u.username: u for u in db.session.scalars(db.select(User))}
    for username, names in PAIRS.items():
        leader = users.get(username)
        for name in names:
            if leader is not None and leader not in units[name].contact_leaders:
                units[name].contact_leaders.append(leader)
    organizer = users.get("zuzhi")
    heads = {u.unit_id: u for u in users.values() if u.unit_head}
    for name, brand, slogan, method in BRANDS:
        unit = units[name]
        db.session.add(Brand(unit=unit, name=brand, slogan=slogan, method=method,
                             updated_by=heads.get(unit.id) or organizer, updated_at=now()))
    if organizer is None:
        return
    indicators = {i.code: i for i in db.session.scalars(db.select(Indicator))}
    this = current_period()
    periods = (this.previous().code, this.code)
    for name, codes in FIGURES.items():
        for code, values in codes.items():
            for period, value in zip(periods, values, strict=True):
                if value is None or code not in indicators:
                    continue  # 缺报: shown as such on the ranking
                db.session.add(Figure(unit=units[name], period=period, indicator=indicators[code],
                                      value=value, evidence=EVIDENCE[code], entered_by=organizer,
                                      entered_at=now()))
    db.session.flush()
    _publish(periods[0], organizer, users.get("lingdao"))


def _publish(period: str, organizer: User, leader: User | None) -> None:
    """The previous quarter's 通报: sent by zuzhi, signed by lingdao, published (so the
    archive shows one); laid out as one document in this process."""
    from ..signoff.services import sign, submit
    from .publication import publish
    from .report import KIND, subject_id
    from .scoring import parse_period

    if leader is None:
        return
    subject = subject_id(parse_period(period))
    submit(KIND, subject, organizer, comment="请审阅上季度考核通报。")
    sign(KIND, subject, leader, comment="同意通报。")
    publish(period, organizer)
