"""The tables of the study demo: the materials of every category, the district's template items, the
wording of comments and 心得, the plan states the showcase branches show, and the demo's codes and sizes."""

from __future__ import annotations

import random
from dataclasses import dataclass

from branches.models import (
    OrganizationCategory,
)
from demo.tree import tables as tree_demo
from study.models import (
    Audience,
    MaterialCategory,
    StudyForm,
)
from study.plans import services as services

CITY_CODE = tree_demo.CITY_CODE


DISTRICT_CODE = tree_demo.DISTRICTS[0].code  # 东城区委


COMMITTEE_CODE = f"{DISTRICT_CODE}-EDU"  # 东城区教育系统党委, where the `committee` login works


DEMO_BRANCH_CODE = tree_demo.DEMO_BRANCH_CODE


Cat = OrganizationCategory


CITY = "city"


DISTRICT = "district"


@dataclass(frozen=True)
class MaterialSpec:
    key: str
    publisher: str  # CITY or DISTRICT
    category: str
    title: str
    age_days: int  # published this many days before `today`
    paragraphs: tuple[str, ...]
    is_required: bool = False

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


M = MaterialCategory


# fmt: off
MATERIALS: tuple[MaterialSpec, ...] = (
    MaterialSpec(
        "charter_general", CITY, M.PARTY_CONSTITUTION, "《中国共产党章程》总纲", 640, (
            "党章是党的根本大法，是全党必须共同遵守的根本行为规范。现行《中国共产党章程》由总纲和十一章条文组成。"
            "总纲阐明党的性质和宗旨、党的指导思想、党的最高理想和最终目标，以及党的基本路线和党的建设的基本要求。",
            "总纲开宗明义地说明：中国共产党是中国工人阶级的先锋队，同时是中国人民和中华民族的先锋队，"
            "是中国特色社会主义事业的领导核心。总纲还对坚持和发展中国特色社会主义、党的领导和党的建设提出了要求。",
            "学习总纲，要逐段通读原文，全面理解党的纲领，把握党的性质和宗旨，做到尊崇党章、遵守党章、维护党章。",
            "学习建议：先个人通读总纲全文，再在党小组会或主题党日上交流体会；"
            "可对照总纲中关于党的建设的基本要求，查找自身在思想、作风和纪律方面的不足。",
        ), is_required=True,
    ),
    MaterialSpec(
        "charter_members", CITY, M.PARTY_CONSTITUTION, "党章第一章：党员的条件、义务和权利", 600, (
            "党章第一章“党员”规定了入党条件、党员的义务和权利、入党程序和预备期、入党宣誓，"
            "以及党员参加党的组织生活等要求。",
            "党章规定了党员必须履行的八项义务和党员享有的八项权利。履行义务和行使权利是统一的，"
            "党员既要自觉履行义务，也要正确行使权利。",
            "每名党员都要牢记入党誓词，牢记党的宗旨，编入党的一个支部、小组或其他特定组织，参加党的组织生活，"
            "按期交纳党费，接受党内外群众的监督。",
            "学习建议：对照八项义务逐条自查，写出自查体会，在党小组会上交流；预备党员可结合思想汇报学习本章。",
        ), is_required=True,
    ),
    MaterialSpec(
        "political_life", CITY, M.PARTY_RULES, "《关于新形势下党内政治生活的若干准则》", 560, (
            "《关于新形势下党内政治生活的若干准则》由党的十八届六中全会于2016年10月审议通过，"
            "是新形势下加强和规范党内政治生活的重要制度遵循。",
            "准则从十二个方面作出规定：坚定理想信念；坚持党的基本路线；坚决维护党中央权威；严明党的政治纪律；"
            "保持党同人民群众的血肉联系；坚持民主集中制原则；发扬党内民主和保障党员权利；坚持正确选人用人导向；"
            "严格党的组织生活制度；开展批评和自我批评；加强对权力运行的制约和监督；保持清正廉洁的政治本色。",
            "学习准则，要结合本支部的实际，对照“三会一课”、组织生活会、民主评议党员等制度的执行情况查找问题，"
            "推动整改落实。",
        ), is_required=True,
    ),
    MaterialSpec(
        "supervision", CITY, M.PARTY_RULES, "《中国共产党党内监督条例》", 540, (
            "《中国共产党党内监督条例》与《关于新形势下党内政治生活的若干准则》一同经党的十八届六中全会审议通过。",
            "条例明确了党内监督的指导思想、基本原则、主要内容和重点对象，规定了党的中央组织、党委（党组）、"
            "纪律检查委员会、党的基层组织和党员的监督职责，以及巡视、谈话函询等监督制度。",
            "条例要求党内监督覆盖全体党组织和全体党员，党员领导干部要自觉接受监督，把监督作为对自己的关心和爱护。",
        ),
    ),
    MaterialSpec(
        "integrity", CITY, M.PARTY_RULES, "《中国共产党廉洁自律准则》", 520, (
            "《中国共产党廉洁自律准则》于2015年10月印发，自2016年1月1日起施行，是全党在廉洁自律方面的行为规范。",
            "准则分为党员廉洁自律规范和党员领导干部廉洁自律规范两部分，共八条，重在立德，坚持正面倡导。",
            "党员廉洁自律规范包括公私分明、崇廉拒腐、尚俭戒奢、吃苦在前等方面的要求；"
            "党员领导干部廉洁自律规范围绕廉洁从政、廉洁用权、廉洁修身、廉洁齐家提出要求。",
            "学习时可以把准则和《中国共产党纪律处分条例》结合起来：准则树立的是高标准，条例划出的是底线。",
        ), is_required=True,
    ),
    MaterialSpec(
        "discipline_rules", CITY, M.PARTY_RULES, "《中国共产党纪律处分条例》：六项纪律", 480, (
            "《中国共产党纪律处分条例》是党的纪律建设的基础性法规，对违反党纪的行为和相应的处分作出规定。",
            "条例把党的纪律归纳为政治纪律、组织纪律、廉洁纪律、群众纪律、工作纪律和生活纪律六个方面。"
            "党纪处分分为警告、严重警告、撤销党内职务、留党察看和开除党籍五种。",
            "学习条例，要弄清楚哪些事能做、哪些事不能做，把纪律规矩内化于心、外化于行。",
        ),
    ),
    MaterialSpec(
        "branch_rules", CITY, M.PARTY_RULES, "《中国共产党支部工作条例（试行）》", 430, (
            "《中国共产党支部工作条例（试行）》于2018年印发，对党支部的设置、基本任务、工作机制、组织生活、"
            "支部委员会建设等作出全面规范。",
            "条例要求党支部严格执行“三会一课”制度：党员大会一般每季度召开1次，支部委员会会议一般每月召开1次，"
            "党小组会一般每月召开1次，党课每季度至少1次。党支部每月相对固定1天开展主题党日，"
            "每年至少召开1次组织生活会，一般安排在第四季度，同时开展民主评议党员。",
            "各党支部可以对照条例，检查本支部组织生活的开展和记录情况。",
        ),
    ),
    MaterialSpec(
        "speeches_discipline", CITY, M.SPEECHES, "学习习近平总书记关于全面从严治党的重要论述", 400, (
            "党的十八大以来，习近平总书记围绕坚持党要管党、全面从严治党发表了一系列重要讲话，"
            "对加强党的政治建设、思想建设、组织建设、作风建设、纪律建设和制度建设提出了明确要求。",
            "学习这部分内容，建议以《习近平谈治国理政》中的相关篇目为主要阅读材料，"
            "按照读原著、学原文、悟原理的要求，联系实际学、带着问题学。",
            "学习中要注意理解讲话的时代背景和鲜明主题，把握基本精神、基本内容和基本要求，做到学而信、学而思、学而行。",
        ), is_required=True,
    ),
    MaterialSpec(
        "speeches_people", CITY, M.SPEECHES, "学习习近平总书记关于坚持以人民为中心的重要论述", 300, (
            "习近平总书记在一系列重要讲话中强调坚持以人民为中心的发展思想，"
            "把人民对美好生活的向往作为奋斗目标，始终同人民群众保持血肉联系。",
            "学习这部分内容，要联系本单位、本岗位服务群众的实际，思考如何把全心全意为人民服务的宗旨"
            "落实到日常工作中。",
            "党支部可以结合主题党日和志愿服务活动组织交流，请党员谈一谈自己为群众办实事的做法和体会。",
        ),
    ),
    MaterialSpec(
        "beijing_2014", CITY, M.BEIJING_SPEECHES, "习近平总书记2014年视察北京重要讲话精神（摘要）", 700, (
            "2014年2月，习近平总书记视察北京并发表重要讲话，明确了北京全国政治中心、文化中心、国际交往中心、"
            "科技创新中心的城市战略定位，提出了建设国际一流的和谐宜居之都的目标。",
            "讲话对推进京津冀协同发展、调整疏解非首都功能、治理“大城市病”等提出了要求。",
            "市委实施方案要求，把习近平总书记视察北京的重要讲话作为“两学一做”学习教育的重要内容，"
            "认真钻研、常学常新，努力把握精髓要义、掌握精神实质。",
        ), is_required=True,
    ),
    MaterialSpec(
        "beijing_2017", CITY, M.BEIJING_SPEECHES, "习近平总书记2017年视察北京重要讲话精神（摘要）", 660, (
            "2017年2月，习近平总书记再次视察北京，考察北京城市规划建设和北京冬奥会筹办工作，并发表重要讲话。",
            "讲话对疏解非首都功能、建设北京城市副中心、编制和实施城市总体规划、做好冬奥会筹办等工作作出部署。",
            "学习讲话精神，要围绕“建设一个什么样的首都，怎样建设首都”深入思考，"
            "联系本地区本单位承担的任务，立足岗位作贡献。",
        ),
    ),
    MaterialSpec(
        "history_founding", CITY, M.PARTY_HISTORY, "党史学习：中国共产党的创建", 380, (
            "1921年7月，中国共产党第一次全国代表大会在上海召开，会议最后一天转移到浙江嘉兴南湖的一条游船上举行。"
            "大会通过了党的第一个纲领和第一个决议，宣告中国共产党正式成立。",
            "中国共产党的成立是中国近现代历史上开天辟地的大事变，中国革命从此有了坚强的领导核心。",
            "学习建议：结合“七一”前后的仪式教育，组织党员重温入党誓词，交流入党初心。",
        ),
    ),
    MaterialSpec(
        "history_zunyi", CITY, M.PARTY_HISTORY, "党史学习：遵义会议", 350, (
            "1935年1月，中共中央政治局在贵州遵义召开扩大会议，集中解决当时具有决定意义的军事问题和组织问题，"
            "事实上确立了毛泽东在党中央和红军的领导地位。",
            "遵义会议在极端危急的历史关头挽救了党、挽救了红军、挽救了中国革命，是党的历史上一个生死攸关的转折点。",
            "学习这段历史，可以结合本支部工作，谈一谈实事求是、独立自主地解决实际问题的体会。",
        ),
    ),
    MaterialSpec(
        "history_reform", CITY, M.PARTY_HISTORY, "党史学习：党的十一届三中全会", 320, (
            "1978年12月，党的十一届三中全会在北京召开，作出把党和国家工作中心转移到经济建设上来、"
            "实行改革开放的历史性决策。",
            "这次全会开启了改革开放和社会主义现代化建设的新时期，是党的历史上具有深远意义的伟大转折。",
        ),
    ),
    MaterialSpec(
        "role_liao", CITY, M.ROLE_MODELS, "廖俊波同志先进事迹", 620, (
            "廖俊波同志生前任福建省南平市委常委、副市长，曾任政和县委书记等职，2015年被评为全国优秀县委书记。",
            "在政和县工作期间，他带领干部群众发展产业、改善基础设施和城乡面貌，推动当地发生了明显变化。",
            "2017年3月，廖俊波同志在赶赴工作现场途中遭遇车祸，因公殉职，年仅48岁。",
            "市委实施方案号召广大党员干部向廖俊波等新时期优秀共产党员学习，使学先进、赶先进、当先进成为时代风尚。",
        ), is_required=True,
    ),
    MaterialSpec(
        "role_jiao", CITY, M.ROLE_MODELS, "焦裕禄同志先进事迹", 580, (
            "焦裕禄同志1962年冬到河南省兰考县任县委书记。在兰考工作期间，他带领全县干部群众治理内涝、风沙、盐碱"
            "“三害”，深入调查研究，与群众同甘共苦。",
            "他身患肝癌仍坚持工作，1964年5月病逝，年仅42岁。",
            "焦裕禄同志的事迹教育了一代又一代党员干部。学习时可以对照他的工作作风，查找自己在联系群众方面的差距。",
        ),
    ),
    MaterialSpec(
        "role_yang", CITY, M.ROLE_MODELS, "杨善洲同志先进事迹", 280, (
            "杨善洲同志曾任云南省保山地委书记。1988年退休后，他回到家乡施甸县大亮山，带领群众义务植树造林，"
            "二十多年间建成大片林场，并将林场无偿交给国家。",
            "杨善洲同志于2010年10月病逝。他退休不褪色、一心为民的事迹，是党员特别是离退休党员学习的榜样。",
        ),
    ),
    MaterialSpec(
        "warning_cases", CITY, M.WARNING_EDUCATION, "警示教育读本：违反中央八项规定精神问题剖析", 260, (
            "本读本从各级纪检监察机关公开通报的问题中归纳违反中央八项规定精神的常见情形，"
            "包括违规公款吃喝、违规收送礼品礼金、公车私用、违规发放津贴补贴、大操大办婚丧喜庆等。",
            "这些问题看似小节，却往往是党员干部从违纪走向违法的开始。读本按问题类型剖析成因，不涉及具体人员信息。",
            "学习时要对照检查，做到警钟长鸣；党支部可结合警示教育组织讨论，交流防范措施。",
        ), is_required=True,
    ),
    MaterialSpec(
        "warning_grassroots", CITY, M.WARNING_EDUCATION, "以案为鉴：基层“微腐败”问题剖析", 200, (
            "基层“微腐败”主要表现为在惠民资金发放、集体资产管理、困难救助审批等工作中优亲厚友、吃拿卡要、"
            "虚报冒领等。",
            "这类问题发生在群众身边，直接损害群众利益。本材料按问题类型分析表现形式和防范办法，供党支部开展警示教育使用。",
        ),
    ),
    MaterialSpec(
        "latest_20th", CITY, M.LATEST, "党的二十大精神学习要点", 150, (
            "中国共产党第二十次全国代表大会于2022年10月16日至22日在北京召开。大会审议通过了十九届中央委员会的报告"
            "和中央纪律检查委员会的工作报告，通过了《中国共产党章程（修正案）》，选举产生了新一届中央委员会"
            "和中央纪律检查委员会。",
            "大会报告明确了新时代新征程党的中心任务，对全面建设社会主义现代化国家作出战略部署，"
            "对坚定不移全面从严治党提出要求。",
            "学习时要原原本本读报告、读党章修正案，结合本单位工作谈认识、提措施。",
        ), is_required=True,
    ),
    MaterialSpec(
        "latest_plenum", CITY, M.LATEST, "党的二十届三中全会精神学习要点", 60, (
            "党的二十届三中全会于2024年7月15日至18日在北京举行，审议通过了"
            "《中共中央关于进一步全面深化改革、推进中国式现代化的决定》。",
            "决定对进一步全面深化改革作出系统部署。学习时要把握全会的主题和主要内容，"
            "联系本地区本单位的改革任务思考如何抓好落实。",
            "按照“对最新规定和讲话精神要及时学、跟进学”的要求，各党支部应在本月集中学习中安排相关内容。",
        ),
    ),
    MaterialSpec(
        "district_arrangement", DISTRICT, M.LATEST, "东城区推进“两学一做”学习教育常态化制度化工作安排", 340, (
            "根据市委《关于推进“两学一做”学习教育常态化制度化的实施方案》，区委对全区各级党组织的学习安排"
            "提出如下要求。",
            "一、年度有安排、月月有计划。各党支部每年制定年度学习计划并报上级党组织备案；"
            "区委每年下发学习计划模板，各党支部可以采用模板，并结合本支部实际调整。",
            "二、党小组每月至少组织党员进行一至两次集中学习，不设党小组的以党支部为单位集中学习；"
            "党支部每季度召开一次全体党员会议，组织专题研讨。",
            "三、党支部每月至少固定一天开展主题党日；“七一”前后集中组织党员开展仪式教育。",
            "四、党员领导干部根据自身实际制定个人自学计划，以普通党员身份参加所在党支部的组织生活。",
        ), is_required=True,
    ),
    MaterialSpec(
        "district_redhouse", DISTRICT, M.PARTY_HISTORY, "东城区红色资源：北大红楼", 240, (
            "北大红楼位于东城区五四大街，建成于1918年，曾是北京大学校部、图书馆和文科所在地。",
            "新文化运动时期，李大钊、陈独秀等在这里传播马克思主义；1920年，北京的共产党早期组织在这里成立。",
            "2021年，北大红楼作为中国共产党早期北京革命活动纪念馆对社会开放。"
            "各党支部可以结合主题党日组织党员参观学习。",
        ),
    ),
)


# fmt: on
MATERIALS_BY_KEY = {spec.key: spec for spec in MATERIALS}


@dataclass(frozen=True)
class ItemSpec:
    month: int
    topic: str
    form: str
    hours: int
    materials: tuple[str, ...]
    keyword: str  # what a member writes they studied
    audience: str = Audience.ALL


F = StudyForm


A = Audience


# Year Y: topics from the seed document §二.1 (学党章党规, 学系列讲话, 视察北京重要讲话, 党史, 先进典型, 警示教育,
# 跟进学最新精神), a 专题研讨 each quarter, the "七一" 党课 in July.
# fmt: off
TEMPLATE_ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(1, "学党章：逐段通读《中国共产党章程》总纲", F.SELF_STUDY, 2, ("charter_general",), "党章总纲"),
    ItemSpec(2, "学党章：党员的义务和权利，重温入党誓词", F.COLLECTIVE, 3, ("charter_members",),
             "党章关于党员义务和权利的规定"),
    ItemSpec(3, "第一季度专题研讨：对照党章党规查找差距", F.DISCUSSION, 4, ("charter_general", "political_life"),
             "党章党规"),
    ItemSpec(4, "学党规：《关于新形势下党内政治生活的若干准则》", F.COLLECTIVE, 3, ("political_life",),
             "《关于新形势下党内政治生活的若干准则》"),
    ItemSpec(4, "党员领导干部专题自学：《中国共产党党内监督条例》", F.SELF_STUDY, 3, ("supervision",),
             "《中国共产党党内监督条例》", A.LEADING_CADRES),
    ItemSpec(5, "学系列讲话：关于全面从严治党的重要论述", F.SELF_STUDY, 2, ("speeches_discipline",),
             "关于全面从严治党的重要论述"),
    ItemSpec(5, "预备党员专题学习：党章第一章，撰写思想汇报", F.SELF_STUDY, 2, ("charter_members",), "党章第一章",
             A.PROBATIONARY),
    ItemSpec(6, "第二季度专题研讨：学习视察北京重要讲话精神，思考“建设一个什么样的首都，怎样建设首都”", F.DISCUSSION,
             4, ("beijing_2014", "beijing_2017"), "视察北京重要讲话精神"),
    ItemSpec(7, "“七一”专题党课：从党的历史中汲取奋进力量", F.LECTURE, 3,
             ("history_founding", "history_zunyi", "district_redhouse"), "党的历史"),
    ItemSpec(8, "警示教育：学习《中国共产党纪律处分条例》，以案为鉴", F.COLLECTIVE, 3,
             ("discipline_rules", "warning_cases"), "纪律处分条例和警示教育材料"),
    ItemSpec(9, "第三季度专题研讨：学习廖俊波同志先进事迹，争做合格党员", F.DISCUSSION, 4, ("role_liao", "role_jiao"),
             "廖俊波同志的先进事迹"),
    ItemSpec(10, "学党规：《中国共产党廉洁自律准则》", F.SELF_STUDY, 2, ("integrity",), "《中国共产党廉洁自律准则》"),
    ItemSpec(11, "跟进学习：党的二十届三中全会精神", F.COLLECTIVE, 3, ("latest_plenum", "latest_20th"),
             "党的二十届三中全会精神"),
    ItemSpec(12, "第四季度专题研讨：对照“四个合格”开展自我检视", F.DISCUSSION, 4, ("branch_rules", "integrity"),
             "“四个合格”的标准"),
)


# Year Y+1: every item for all members, so that a branch can adopt and submit it as it is.
NEXT_YEAR_ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(1, "学党章：通读《中国共产党章程》，牢记党员义务和权利", F.SELF_STUDY, 2,
             ("charter_general", "charter_members"), "党章"),
    ItemSpec(2, "学党规：《中国共产党支部工作条例（试行）》", F.COLLECTIVE, 3, ("branch_rules",), "支部工作条例"),
    ItemSpec(3, "第一季度专题研讨：严明政治纪律和政治规矩", F.DISCUSSION, 4, ("political_life", "discipline_rules"),
             "党的政治纪律和政治规矩"),
    ItemSpec(4, "学系列讲话：关于坚持以人民为中心的重要论述", F.SELF_STUDY, 2, ("speeches_people",),
             "关于坚持以人民为中心的重要论述"),
    ItemSpec(5, "党史学习：党的创建和北京早期革命活动", F.COLLECTIVE, 3, ("history_founding", "district_redhouse"),
             "党的创建历史"),
    ItemSpec(6, "第二季度专题研讨：学习视察北京重要讲话精神，立足岗位作贡献", F.DISCUSSION, 4,
             ("beijing_2014", "beijing_2017"), "视察北京重要讲话精神"),
    ItemSpec(7, "“七一”专题党课：牢记党员身份，践行入党誓词", F.LECTURE, 3, ("charter_members", "history_zunyi"),
             "入党誓词"),
    ItemSpec(8, "警示教育：违反中央八项规定精神典型问题剖析", F.COLLECTIVE, 3,
             ("warning_cases", "warning_grassroots"), "警示教育材料"),
    ItemSpec(9, "第三季度专题研讨：学习先进典型，做合格党员", F.DISCUSSION, 4, ("role_yang", "role_liao"),
             "先进典型的事迹"),
    ItemSpec(10, "学党规：《中国共产党廉洁自律准则》和《中国共产党纪律处分条例》", F.SELF_STUDY, 2,
             ("integrity", "discipline_rules"), "廉洁自律准则和纪律处分条例"),
    ItemSpec(11, "跟进学习：党中央最新会议和文件精神", F.COLLECTIVE, 3, ("latest_20th", "latest_plenum"),
             "党中央最新精神"),
    ItemSpec(12, "第四季度专题研讨：对照“四个合格”开展自我检视", F.DISCUSSION, 4, ("branch_rules",),
             "“四个合格”的标准"),
)


# fmt: on
KEYWORDS = {spec.topic: spec.keyword for spec in (*TEMPLATE_ITEMS, *NEXT_YEAR_ITEMS)}


OWN_ITEM_THEME_DAY = "%(month)d月主题党日：重温入党誓词，交流学习体会"


OWN_ITEM_DISTRICT = "支部自选学习：《东城区推进“两学一做”学习教育常态化制度化工作安排》"


OWN_KEYWORDS = {OWN_ITEM_DISTRICT: "区委的工作安排"}


RETURN_COMMENTS = (
    "请补充第三季度专题研讨的具体安排，并明确各月的学习资料。",
    "计划中缺少警示教育内容，请对照区委模板补充后重新报送。",
    "各月完成期限与党支部主题党日安排不一致，请核对后重新报送。",
    "请结合本支部党员实际，明确离退休党员和流动党员的学习方式。",
)


FILE_COMMENTS = ("", "", "同意备案。", "计划安排合理，同意备案。", "已审核，同意备案，请按计划认真组织实施。")


# Branch states for the current year.
NONE = "none"


DRAFT = "draft"


SUBMITTED = "submitted"


RETURNED = "returned"


PARTIAL = "partial"  # filed, but nothing planned after this month


FILED = "filed"


LIVE_STATES = (DRAFT, SUBMITTED, RETURNED)  # the showcase branches reach these through the services, now


# In 东城, the first branch of several kinds always shows a problem (they exist from --branches 10 on).
SHOWCASE_STATES = {
    f"{DISTRICT_CODE}-JD01-01": PARTIAL,  # 社区党支部
    f"{DISTRICT_CODE}-FG01-01": SUBMITTED,  # 非公企业党支部
    f"{DISTRICT_CODE}-GQ01-01": RETURNED,  # 国有企业党支部
    f"{DISTRICT_CODE}-LT01-01": DRAFT,  # 离退休干部党支部
    f"{DISTRICT_CODE}-LY01-01": NONE,  # 商务楼宇联合党支部
}


STATE_THRESHOLDS = ((NONE, 0.025), (DRAFT, 0.045), (SUBMITTED, 0.07), (RETURNED, 0.085), (PARTIAL, 0.11))


# 个人自学计划 of a leading cadre: (month, title, note once started).
CADRE_ITEMS: tuple[tuple[int, str, str], ...] = (
    (1, "通读《中国共产党章程》，撰写读书笔记", "通读了党章全文，重点学习总纲和党员义务部分，写了读书笔记。"),
    (3, "学习《关于新形势下党内政治生活的若干准则》", "结合民主生活会准备，对照准则查找了批评和自我批评方面的不足。"),
    (5, "学习关于全面从严治党的重要论述", "读了有关篇目，结合分管工作梳理了落实主体责任的具体措施。"),
    (7, "为所在党支部党员讲一次党课", "“七一”前后为所在党支部党员讲了专题党课，讲稿已交支部存档。"),
    (9, "学习《中国共产党党内监督条例》", "学习了条例中党委（党组）监督的有关规定，对照检查了班子监督制度的落实。"),
    (11, "学习党的二十届三中全会精神", "正在学习全会通过的决定，准备在理论学习中心组上作交流发言。"),
)


# 心得: opening (with what was studied), insight, intention, and sometimes a word about the member's work.
OPENINGS = (
    "通过学习{k}，",
    "认真研读了{k}，",
    "这次学习{k}，",
    "利用业余时间自学了{k}，",
    "参加支部组织的学习，重点学了{k}，",
    "反复读了{k}，",
    "学习{k}以后，",
)


INSIGHTS = (
    "我对党员的义务和权利有了更深的理解。",
    "深刻认识到严守纪律规矩是每名党员的本分。",
    "进一步坚定了理想信念。",
    "更加明白全心全意为人民服务的宗旨要落实到日常工作的点滴之中。",
    "感到自己在理论学习上还有不少差距。",
    "体会到学习不能只停留在读过，更要联系实际、带着问题学。",
    "对“四个合格”的标准有了更具体的认识。",
    "认识到小节不保、大节难保，必须时刻自警自省。",
    "对党的历史和优良传统有了更系统的了解。",
    "被先进典型忠诚、干净、担当的品格深深打动。",
    "对照检查，发现自己在主动作为方面做得还不够。",
)


INTENTIONS = (
    "今后要结合岗位实际，发挥好先锋模范作用。",
    "下一步要把学习成果转化为做好本职工作的实际行动。",
    "我要以更高标准要求自己，带头遵守各项规定。",
    "还要坚持读原著、学原文，做到学而信、学而思、学而行。",
    "今后要主动向身边的优秀党员看齐。",
    "要在为群众办实事中检验学习效果。",
    "",
)


WORK_NOTES = {
    Cat.SCHOOL: "作为一名教师，要把这些要求落实到教书育人中。",
    Cat.RETIRED: "作为离退休党员，要退休不褪色，继续发挥余热。",
    Cat.COMMUNITY: "作为社区党员，要在邻里服务中亮明身份。",
    Cat.VILLAGE: "作为农村党员，要带头支持村里的发展。",
    Cat.NON_PUBLIC_ENTERPRISE: "在企业里要比技能、比作风、比业绩。",
    Cat.STATE_ENTERPRISE: "在生产经营中要守好廉洁底线，争当岗位标兵。",
    Cat.GOVERNMENT: "在机关工作要坚持为民服务、公正执法。",
    Cat.PUBLIC_INSTITUTION: "要在服务窗口提升服务意识，做好本职工作。",
    Cat.SOCIAL_ORGANIZATION: "要在社会组织的服务项目中发挥党员作用。",
    Cat.OTHER: "要在楼宇企业中亮明党员身份，带头做好服务。",
}


BRANCH_CHUNK = 200  # branches per transaction of the bulk writer


TASK_BATCH_SIZE = 5000


CADRE_PLANS = 3  # leading cadres of 东城 who keep a 个人自学计划


PAST, THIS_MONTH, LATER = "past", "this_month", "later"


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(part) for part in (seed, "study", *parts)))  # noqa: S311 - demo data
