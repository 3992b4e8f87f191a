"""The demo content: units, people, three salons and their posts (drawn from the real salon)."""

UNITS = [
    ("城关派出所", "station"), ("曹甸派出所", "station"), ("夏集派出所", "station"),
    ("安宜派出所", "station"), ("氾水派出所", "station"), ("治安大队", "brigade"),
    ("局党委", "committee"), ("科技信息化科", "office"),
]

DEMO_PASSWORD = "Salon@2026"
ADMIN_PASSWORD = "Admin@2026"

# username, 姓名, 单位, role, 警号
USERS = [
    ("minjing1", "张伟", "城关派出所", "officer", "032101"),
    ("minjing2", "徐志明", "夏集派出所", "officer", "032207"),
    ("minjing3", "陈建国", "曹甸派出所", "officer", "032315"),
    ("minjing4", "刘海燕", "安宜派出所", "officer", "032402"),
    ("minjing5", "周晓东", "氾水派出所", "officer", "032511"),
    ("minjing6", "孙立群", "城关派出所", "officer", "032118"),
    ("keji", "赵磊", "科技信息化科", "officer", "030806"),
    ("suozhang1", "李明", "城关派出所", "officer", "032001"),
    ("suozhang2", "顾长青", "曹甸派出所", "officer", "032002"),
    ("suozhang3", "朱红兵", "夏集派出所", "officer", "032003"),
    ("suozhang4", "杨文俊", "安宜派出所", "officer", "032004"),
    ("suozhang5", "钱卫东", "氾水派出所", "officer", "032005"),
    ("zuzhi", "潘国华", "治安大队", "organizer", "030301"),
    ("zuzhi2", "吴静", "治安大队", "organizer", "030315"),
    ("lingdao", "夏忠明", "局党委", "leader", "030001"),
    ("lingdao2", "王宏", "局党委", "leader", "030002"),
    ("admin", "系统管理员", "科技信息化科", "admin", None),
]

# 所长 of each 派出所 (unit_head): they sign for and report the problems assigned to the station.
UNIT_HEADS = {"suozhang1", "suozhang2", "suozhang3", "suozhang4", "suozhang5"}

PLACE = "县公安局三楼会议室"

# Salons, oldest first: (topic, description, agenda lines, minutes, final status)
SALONS = [
    (
        "二代证攻坚：难点与破解办法",
        "二代证换发进入攻坚阶段，各所办证进度差距较大。本期沙龙请各所交流：\n\n"
        "- 针对**在外务工人员**、**老弱病残**、**空挂户**等不同群体的办证方法；\n"
        "- 办证中遇到的设备、警力、流程问题。\n\n曹甸派出所一周进入先进行列，请作重点交流。",
        "曹甸所一周进入先进行列的做法 | 曹甸派出所 陈建国\n"
        "QQ群远程办证：在外务工人员怎么办 | 夏集派出所 徐志明\n"
        "办证直通车上门服务 | 城关派出所 张伟\n"
        "自由交流：各所办证难点 | 治安大队 潘国华",
        "本期沙龙到会民警 7 人。会议认为：\n\n"
        "1. 曹甸派出所“分群体、包到人”的做法值得全局推广；\n"
        "2. 夏集派出所的 QQ 群远程核实、上门办证直通车，对在外务工和行动不便人员效果明显；\n"
        "3. 乡镇照相设备老化、高峰期警力不足等问题，由治安大队汇总报局党委研究。\n\n"
        "会后将交流材料编入第一期专刊，发全体民警学习借鉴。",
        "published",
    ),
    (
        "如何提升防范水平",
        "本期围绕**社会面治安防范**，欢迎交流巡逻防控、群防群治、技防建设的经验，"
        "也请如实反映工作中的突出问题，如监控探头、巡防力量、农村流窜案件等。",
        "老小区夜间巡逻防控 | 城关派出所 张伟\n"
        "民警讲坛：农村流窜案件的研判与堵截 | 夏集派出所 徐志明\n"
        "技防进村的实践 | 曹甸派出所 陈建国\n"
        "问题反映与讨论 | 治安大队 潘国华",
        "本期民警集中反映了以下问题：监控探头清晰度差、布局不合理；"
        "社区巡逻没有常态化；农村流窜案件突出；专职巡防力量没有建立。\n\n"
        "局党委已明确：由科技信息化科牵头对监控网络开展调查，制定技防建设三年规划；"
        "巡防力量问题提请县委、县政府研究。",
        "held",
    ),
    (
        "社区警务室常态化服务：从“下社区”到“驻社区”",
        "本期讨论社区警务室如何做到**随时有人、随时服务**。欢迎交流：\n\n"
        "- 警务室值守与社区民警下沉的做法；\n- 与网格员、村干部等社会力量的整合；\n"
        "- 群众反映的警务室服务问题。\n\n请于本月 20 日前提交稿件。",
        "警务室全天有人在岗的安排 | 城关派出所 张伟\n"
        "警务室+网格员 | 安宜派出所 刘海燕\n"
        "民警讲坛：警务室视频巡查的技术方案 | 科技信息化科 赵磊",
        "",
        "open",
    ),
]

# Sign-ups per salon: (username, attended) — attendance is only recorded once held.
SIGNUPS = [
    [("minjing1", True), ("minjing2", True), ("minjing3", True), ("minjing4", True),
     ("minjing5", False), ("minjing6", True), ("zuzhi", True), ("lingdao2", True)],
    [("minjing1", True), ("minjing2", True), ("minjing3", True), ("minjing4", False),
     ("minjing5", True), ("minjing6", True), ("keji", True), ("zuzhi", True)],
    [("minjing1", None), ("minjing4", None), ("keji", None), ("minjing5", None)],
]


def _table(header: tuple, *rows: tuple) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# Each post: salon index, kind, author, title, tags, body, flags; problems add SARA fields.
POSTS = [
    dict(salon=0, kind="experience", author="minjing3", flags="exemplary in_bulletin",
         title="一周进入先进行列：曹甸所二代证攻坚的五条做法", tags=["二代证", "户籍管理"],
         body="## 背景\n\n我所辖区办证人数多、外出人员比例高，攻坚初期排名一直靠后。\n\n"
              "## 主要做法\n\n1. **分群体建台账**：在家、在外、老弱病残、空挂四类分别造册；\n"
              "2. **包村到人**：每名社区民警包两个村，进度每天通报；\n"
              "3. **夜间办证**：晚上 7 点到 9 点开放办证室，方便白天务工群众；\n"
              "4. **村干部协助通知**：发挥村组干部熟悉情况的优势；\n5. **当天问题当天清**。\n\n"
              "## 成效\n\n" + _table(("时间", "办证人数", "办证率"),
                                    ("第一周", 612, "48%"), ("第二周", 1035, "71%"),
                                    ("第三周", 1290, "86%"))),
    dict(salon=0, kind="experience", author="minjing2", flags="exemplary in_bulletin",
         title="开设QQ群，为在外务工人员远程办证", tags=["二代证", "QQ群", "流动人口"],
         body="## 问题\n\n我所在外务工人员多，很多人一年只回来一次，办证进度一直不理想。\n\n"
              "## 做法\n\n- 专门开设 **QQ群**，在外务工人员利用网络传回数码照片；\n"
              "- 民警逐一电话核实身份，核实后即可受理；\n"
              "- 证件办好后由家属凭委托书代领，或邮寄到本人。\n\n"
              "> 参加第一期沙龙后受到启发，结合本地实际推出，办证率很快达到 80%。"),
    dict(salon=0, kind="experience", author="minjing1", flags="in_bulletin",
         title="办证直通车：上门为行动不便群众拍照办证", tags=["二代证", "便民服务"],
         body="## 做法\n\n针对年龄较大、身体残疾的人员，我所开设**办证直通车**：\n\n"
              "1. 社区民警摸排需上门服务的对象；\n2. 每周二、周四组织人员携带设备上门拍照；\n"
              "3. 经济确有困难的，按规定免收办证费用。\n\n"
              "## 体会\n\n上门服务虽然费时，但群众满意度高，也顺带完成了人口信息核查。"),
    dict(salon=0, kind="experience", author="minjing4", flags="",
         title="清理空挂户口与重户的几点体会", tags=["户籍管理", "二代证"],
         body="## 空挂户口\n\n逐一与相关人员取得联系，督促他们迁移户口。\n\n"
              "## 重户\n\n经过查证发现存在重户的，依法予以注销，并告知本人。\n\n"
              "## 注意事项\n\n- 注销前务必双人核查；\n- 留存联系记录和查证材料。"),
    dict(salon=0, kind="experience", author="minjing5", flags="in_bulletin",
         title="学校集中办证的组织方法", tags=["二代证", "校园"],
         body="## 做法\n\n与中心校联系，按年级分批集中拍照，学校统一收取材料。\n\n"
              + _table(("学校", "人数", "用时"), ("氾水中学", 386, "2 天"),
                       ("氾水中心小学", 214, "1 天"))),
    dict(salon=0, kind="problem", author="minjing5", flags="in_bulletin", source="officer",
         title="乡镇办证点照相设备老化，出片率低", tags=["二代证", "装备"],
         body="## 问题\n\n我所办证点照相设备使用已超过 8 年，**照片合格率不到七成**，"
              "群众常常要拍两三次，高峰期排队严重。\n\n## 建议\n\n更新照相设备，统一采购。",
         scan="氾水派出所办证点照片合格率约 68%，高峰期群众平均等候 40 分钟以上。",
         analysis="设备老化、光源不足；各乡镇设备型号不一，无法统一维护。",
         proposal="由局装备部门统一采购更新乡镇办证点照相设备，并建立维护台账。"),
    dict(salon=0, kind="problem", author="minjing6", flags="", source="officer",
         title="在外务工人员身份核实缺少统一流程", tags=["流动人口", "二代证"],
         body="各所远程核实在外务工人员身份的做法不一，有的用QQ群、有的用电话，"
              "**核实标准不统一，存在风险**。建议治安大队制定统一的核实流程。",
         scan="全局至少 4 个所在用不同方式远程核实身份。",
         analysis="缺少统一规范，核实留痕不完整。",
         proposal="制定远程身份核实工作规范，明确核实要素和留痕要求。"),
    dict(salon=0, kind="problem", author="minjing3", flags="in_bulletin", source="officer",
         title="办证高峰期户籍民警严重不足", tags=["警力", "户籍管理"],
         body="攻坚期间我所只有 1 名户籍民警，社区民警全部抽调办证，**其他工作受到影响**。"
              "建议高峰期从机关抽调人员支援基层。",
         scan="曹甸派出所攻坚期间日均受理 150 人以上，户籍民警 1 名。",
         analysis="基层户籍警力配置偏少，高峰期缺少支援机制。",
         proposal="建立机关民警下所支援机制，高峰期按办证量调配。"),
    dict(salon=1, kind="experience", author="minjing1", flags="exemplary in_bulletin",
         title="老小区入室盗窃的巡逻防控：民警党员夜巡队", tags=["巡逻防控", "入室盗窃"],
         body="## 背景\n\n老小区入室盗窃高发，多发时段集中在晚上 8 点到 10 点半。\n\n"
              "## 做法\n\n- 民警党员自发组成**夜巡队**，在案件多发地段加密巡逻；\n"
              "- 穿着制服巡逻，对作案分子形成威慑；\n- 每周通报巡逻情况和案件变化。\n\n"
              "## 成效\n\n"
              + _table(("月份", "入室盗窃（起）"), ("巡逻前一月", 11), ("巡逻后一月", 3))),
    dict(salon=1, kind="experience", author="minjing4", flags="exemplary",
         title="发动平安志愿者开展邻里守望", tags=["群防群治", "巡逻防控"],
         body="## 做法\n\n1. 以楼栋为单位招募平安志愿者；\n"
              "2. 建立楼栋微信群，发现可疑情况随时报告；\n"
              "3. 每季度评选“守望之星”。\n\n目前已有志愿者 **126 名**，覆盖 9 个小区。"),
    dict(salon=1, kind="experience", author="minjing2", flags="in_bulletin",
         title="民警讲坛：农村流窜案件的信息研判与堵截", tags=["流窜犯罪", "情报研判"],
         body="## 规律\n\n流窜案件多发生在夜间，作案人多驾驶无牌摩托车，沿县乡道路进出。\n\n"
              "## 方法\n\n- 以卡口数据比对外来车辆；\n- 与相邻派出所建立案情通报群；\n"
              "- 在主要路口设置临时查缉点。"),
    dict(salon=1, kind="experience", author="minjing3", flags="",
         title="技防进村：村级视频监控建设的实践", tags=["监控探头", "技防"],
         body="## 做法\n\n由村委会出资、派出所指导点位，在村口和主要路段安装监控探头，"
              "画面接入派出所和村部。\n\n## 体会\n\n点位选择要**先调研后安装**，避免装了没用。"),
    dict(salon=1, kind="problem", author="minjing6", flags="in_bulletin", source="officer",
         title="部分监控探头清晰度太差，难以辨认人脸和车牌", tags=["监控探头", "技防"],
         body="## 问题\n\n城区部分早期安装的**监控探头清晰度太差**，"
              "夜间画面基本无法辨认人脸和车牌，"
              "破案中多次调取录像无果。\n\n## 建议\n\n对早期探头进行排查，分批更换为高清设备。",
         scan="城关辖区 2010 年前安装的探头约 40 组，夜间可用率不足三成。",
         analysis="设备标清、无补光；维护经费不足。",
         proposal="组织专人普查监控网络，制定技防建设规划，分批更换高清探头。"),
    dict(salon=1, kind="problem", author="minjing2", flags="in_bulletin", source="officer",
         title="监控探头布局不合理，主要路口存在盲区", tags=["监控探头", "技防"],
         body="部分探头集中在单位门口，而进出乡镇的**主要路口反而没有探头**，"
              "流窜案件发生后无法追踪车辆去向。",
         scan="夏集镇 6 个进出路口中 4 个无监控。",
         analysis="早期建设缺少统一规划，点位由各单位自行决定。",
         proposal="重新布局、调整监控探头，优先覆盖进出乡镇路口。"),
    dict(salon=1, kind="problem", author="minjing4", flags="", source="survey",
         title="社区巡逻防范不到位，没有形成常态化", tags=["巡逻防控"],
         body="走访中群众反映**见不到巡逻**。目前巡逻多为专项行动期间开展，行动结束即停止。",
         scan="走访 3 个社区 120 户，62% 表示近一月未见巡逻。",
         analysis="巡逻没有纳入日常勤务，缺少考核。",
         proposal="将巡逻纳入社区民警日常勤务，定线定时并纳入考核。"),
    dict(salon=1, kind="problem", author="minjing5", flags="in_bulletin", source="officer",
         title="农村流窜盗窃案件突出，缺少跨所协作机制", tags=["流窜犯罪"],
         body="流窜作案人常在几个乡镇之间作案，**各所信息不通**，串并案困难。",
         scan="近三个月氾水、夏集、曹甸三地发生同类盗窃案 17 起。",
         analysis="缺少跨所案情通报和联合查缉机制。",
         proposal="建立片区案情通报和联合查缉机制，由治安大队牵头。"),
    dict(salon=1, kind="problem", author="minjing3", flags="in_bulletin", source="public",
         title="乡镇专职巡防力量没有建立", tags=["巡防队伍", "群防群治"],
         body="群众建议夜间要有人巡逻。目前乡镇**没有专职巡防队**，仅靠派出所警力无法覆盖。",
         scan="全县 12 个乡镇均无专职巡防队。",
         analysis="巡防队伍经费和编制没有落实。",
         proposal="提请县委、县政府由政法委牵头，把建立专职巡防力量纳入综治考核。"),
    dict(salon=2, kind="experience", author="minjing1", flags="",
         title="从“下社区”到“驻社区”：警务室全天有人在岗", tags=["社区警务室", "便民服务"],
         body="## 做法\n\n- 社区民警上班时间在**社区警务室**办公，不再“定时下社区”；\n"
              "- 另配社区治安民警，社区民警外出时由其在岗；\n- 警务室公示民警电话。\n\n"
              + _table(("指标", "调整前", "调整后"), ("警务室在岗时间（小时/周）", 12, 40),
                       ("群众求助响应（分钟）", 35, 10))),
    dict(salon=2, kind="experience", author="minjing4", flags="exemplary",
         title="警务室+网格员：整合社区力量的做法", tags=["社区警务室", "网格化"],
         body="## 做法\n\n把网格员、警务专干、保洁员等社会力量纳入警务室，"
              "分工开展**巡逻防范、矛盾纠纷化解、法律宣传**。\n\n"
              "## 体会\n\n1. 明确分工，定期例会；\n2. 信息每日汇总到警务室。"),
    dict(salon=2, kind="experience", author="minjing2", flags="",
         title="用微信群发布治安预警和温馨提示", tags=["警民沟通", "微信群"],
         body="我所以村为单位建立警民微信群，定期发布**治安预警、防诈骗提示、办事指南**，"
              "群众有事也可以在群里直接找民警。目前共 23 个群、4100 余人。"),
    dict(salon=2, kind="experience", author="minjing3", flags="",
         title="“民警周末学校”：社区民警的业务充电", tags=["教育培训"],
         body="## 内容\n\n每周五下午开课，内容包括：\n\n- 法律法规更新；\n- 典型案例复盘；\n"
              "- 群众工作方法。\n\n由所领导和业务骨干轮流授课。"),
    dict(salon=2, kind="experience", author="keji", flags="",
         title="民警讲坛：社区警务室接入视频巡查的技术方案", tags=["监控探头", "信息化"],
         body="## 方案\n\n1. 警务室配置视频终端，接入辖区监控探头；\n"
              "2. 按网格划分巡查任务，每日定时**视频巡查**；\n"
              "3. 发现问题一键推送到社区民警手机。\n\n"
              "## 进度\n\n试点已在城关派出所两个警务室完成。"),
    dict(salon=2, kind="problem", author="minjing5", flags="", source="public",
         title="警务室与派出所信息系统不通，群众办事要跑两趟", tags=["社区警务室", "信息化"],
         body="群众在警务室咨询户籍业务后，还要到派出所重新提交材料。"
              "**警务室无法接入户籍系统**，群众意见较大。",
         scan="氾水派出所辖区 3 个警务室每月约 60 人次需往返。",
         analysis="警务室网络未接入公安内网，不能受理业务。",
         proposal="为警务室开通内网专线，可受理的户籍业务就地办理。"),
    dict(salon=2, kind="problem", author="minjing6", flags="", source="officer",
         title="社区警务室接报警情中四成与公安工作无关", tags=["警情分流"],
         body="警务室受理的求助中**超过 40%** 与公安工作无关（如邻里噪音、物业纠纷），"
              "占用大量警力。建议建立非警务求助分流机制。",
         scan="城关派出所一季度非警务求助 312 起，占 43%。",
         analysis="缺少与政府部门、社区的分流对接渠道。",
         proposal="与 12345 热线、社区建立非警务求助分流和转办机制。"),
    dict(salon=2, kind="problem", author="minjing4", flags="", source="survey",
         title="偏远村组群众反映见警率低", tags=["见警率", "社区警务室"],
         body="走访调研中，偏远村组群众反映**很少见到民警**，希望能定期到村里来。",
         scan="安宜辖区 5 个偏远村组，近两月民警到村平均不足 1 次。",
         analysis="社区民警负责范围大，交通不便。",
         proposal="建立偏远村组定期走访制度，每月至少 2 次到村。"),
    dict(salon=2, kind="experience", author="minjing6", flags="draft",
         title="社区民警兼职过多的思考（草稿）", tags=["警力"],
         body="## 提纲\n\n- 社区民警承担的非社区工作统计\n- 对社区工作的影响\n- 建议"),
]

# Comments: (post index in POSTS, username, text)
COMMENTS = [
    (0, "minjing2", "分群体建台账这一条很实用，我所准备照着做。"),
    (0, "zuzhi", "请把台账模板发到治安大队，汇编进专刊附件。"),
    (1, "minjing5", "QQ群核实时怎么确认照片是本人？有没有视频核验？"),
    (1, "minjing2", "先视频通话核对，再与原有照片比对，两道关。"),
    (5, "lingdao2", "已请装备部门摸底，下月报采购方案。"),
    (8, "minjing4", "夜巡队的经验可以和志愿者结合起来。"),
    (12, "keji", "科技信息化科正在做全县探头普查，本月底出清单。"),
    (12, "lingdao", "此问题列入局党委专题研究。"),
    (17, "minjing5", "我所警务室也在试点，值守排班表能否共享？"),
    (22, "zuzhi", "这个问题很有代表性，本期请重点讨论。"),
]
