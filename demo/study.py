"""Study demo data (学习演示数据) for `manage.py seed_demo`: materials, template plans, branch plans, tasks,
cadre self-study plans and a few reminders, on top of the demo tree of `demo.tree`.

The data tells one story, with dates relative to `today` (year Y = today's year):

* 北京市委 publishes materials in every category (党章, 党规党纪, 系列讲话, 视察北京重要讲话, 党史, 先进典型,
  警示教育, 最新精神) and 东城区委 two of its own.
* 东城区委 published its template plan for year Y on 15 December of Y-1 (12 monthly items, one more for leading
  cadres and one for probationary members, each due on the 25th of its month as the plan form proposes;
  source: the seed document §二.1), and publishes the template for
  Y+1 now, so that the demo secretary can adopt it and submit next year's plan.
* Most branches adopted the template in December or January (branches outside 东城 made an equivalent plan of
  their own), dropped the items whose audience they do not have (as they must before `plan_submit` accepts the
  plan), submitted it and had it filed (备案) in January by the nearest committee officer above. Their members'
  tasks follow: past months mostly done with a short 心得, this month partly done, a few overdue.
* Some branches are behind, so that the committees' filing-status pages show problems: no plan at all, a
  draft, submitted and waiting, returned with a comment, or filed with nothing planned after this month. In
  东城 the first branch of several kinds always shows one of them (`SHOWCASE_STATES`); elsewhere a branch's
  state is drawn from its own random generator.
* The demo branch (logins `secretary` and `member`) has a filed plan for Y, adapted with two items of its own
  this month, so that `member` always has open tasks this month (one due within three days), some done and
  some overdue; it has no plan for Y+1.

How it is written:

* What happened in the past is written in bulk (`bulk_create`), producing the rows the services produce:
  `plan_adopt_template` / `plan_create` + `plan_item_save` (plan, items with new keys, item materials, the
  "created" history row), `plan_item_delete`, `plan_submit` (status, `submitted_at`, history row with the note
  about months without items), `plan_return`, `plan_file` (status, `filed_at`, history row) and
  `tasks_sync_for_plan` (one task per active member in each item's audience; members who joined the branch
  after the filing only get the items due from their joining day on, as `member_tasks_sync` gives them), then
  `task_complete` (status, 心得, `completed_at`). The notifications those past steps sent are not replayed.
* What is happening now goes through the real services: the templates (`plan_create`, `plan_item_save`,
  `template_publish`; the current year's template is then dated back to its story date), the live states of
  the 东城 showcase branches (`plan_adopt_template`, `plan_item_delete`, `plan_submit`, `plan_return`, which
  notify the officers and the branch), the cadres' 个人自学计划 (`cadre_item_save`) and the reminders of
  `study.reminders` for the demo branch and the demo committees (idempotent by their reminder key).

Idempotent: materials are found by (organisation, title), templates by (organisation, year), a branch that has
a plan for Y is left alone, a cadre who has a self-study plan for Y is left alone, and every reminder has its
unique key. Deterministic: every branch and member draws from its own generator seeded with the seed and its
code or ID-number digest, so the same seed and day give the same data.
"""

from __future__ import annotations

import calendar
import datetime
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import (
    MANAGING_ROLE_KINDS,
    Member,
    Membership,
    MembershipType,
    MemberStatus,
    Organization,
    OrganizationCategory,
    OrganizationKind,
    Role,
    RoleKind,
    User,
)
from demo import tree as tree_demo
from notifications.models import Notification, ReminderKind
from notifications.services import notification_mark_read
from study import reminders
from study.learning import services as learning_services
from study.materials import services as materials_services
from study.models import (
    Audience,
    CadreStudyPlan,
    MaterialCategory,
    PlanStatus,
    PlanStatusChange,
    StudyForm,
    StudyMaterial,
    StudyPlan,
    StudyPlanItem,
    StudyTask,
    TaskStatus,
)
from study.plans import services as services
from study.plans.forms import default_due_date

CITY_CODE = tree_demo.CITY_CODE
DISTRICT_CODE = tree_demo.DISTRICTS[0].code  # 东城区委
COMMITTEE_CODE = f"{DISTRICT_CODE}-EDU"  # 东城区教育系统党委, where the `committee` login works
DEMO_BRANCH_CODE = tree_demo.DEMO_BRANCH_CODE
BRANCH_CHUNK = 200  # branches per transaction of the bulk writer
TASK_BATCH_SIZE = 5000
CADRE_PLANS = 3  # leading cadres of 东城 who keep a 个人自学计划

Cat = OrganizationCategory


# ---------------------------------------------------------------------------
# Materials
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------


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


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(part) for part in (seed, "study", *parts)))  # noqa: S311 - demo data


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment of a local (Asia/Shanghai) day."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_default_timezone())


def _moment(rng: random.Random, low: datetime.datetime, high: datetime.datetime) -> datetime.datetime:
    """A plausible moment (07:00–22:59 local) between low and high (local moments made by `_at`)."""
    if high <= low:
        return low
    moment = (low + (high - low) * rng.random()).replace(second=0, microsecond=0)
    if moment.hour < 7:
        moment = moment.replace(hour=rng.randint(7, 9))
    return min(max(moment, low), high)


def _reflection(rng: random.Random, *, keyword: str, category: str) -> str:
    parts = [rng.choice(OPENINGS).format(k=keyword), rng.choice(INSIGHTS), rng.choice(INTENTIONS)]
    if category in WORK_NOTES and rng.random() < 0.3:
        parts.append(WORK_NOTES[category])
    return "".join(parts)


# ---------------------------------------------------------------------------
# Result and summary
# ---------------------------------------------------------------------------


@dataclass
class StudyDemoResult:
    year: int
    materials_created: int = 0
    templates_created: int = 0
    plans_created: int = 0
    tasks_created: int = 0
    cadre_plans_created: int = 0
    reminders_sent: int = 0
    seconds: float = 0.0


@dataclass
class StudyDemoSummary:
    year: int
    materials: int
    required_materials: int
    categories: int
    templates: int
    branches: int
    plans_by_status: dict[str, int]
    branches_without_plan: int
    tasks: int
    done_tasks: int
    overdue_tasks: int
    cadre_plans: int
    demo_notifications: dict[str, int] = field(default_factory=dict)


def study_demo_summary(*, today: datetime.date) -> StudyDemoSummary:
    """Counts of the study demo under the 市委 for today's year, in a fixed number of queries (eight)."""
    city = Organization.objects.filter(code=CITY_CODE).first()
    prefix = city.path if city else "-"  # no path starts with "-": an empty summary
    year = today.year
    materials = StudyMaterial.objects.filter(organization__path__startswith=prefix).aggregate(
        total=Count("pk"), required=Count("pk", filter=Q(is_required=True)), categories=Count("category", distinct=True)
    )
    plans = StudyPlan.objects.filter(organization__path__startswith=prefix, year=year, is_current=True)
    by_status = dict(plans.filter(is_template=False).values_list("status").annotate(n=Count("pk")).order_by("status"))
    branches = Organization.objects.filter(path__startswith=prefix, kind=OrganizationKind.BRANCH).aggregate(
        total=Count("pk"),
        without=Count("pk", filter=~Q(pk__in=plans.filter(is_template=False).values("organization_id"))),
    )
    tasks = StudyTask.objects.filter(organization__path__startswith=prefix, item__plan__year=year).aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=TaskStatus.DONE)),
        overdue=Count("pk", filter=Q(status=TaskStatus.OPEN, due_date__lt=today)),
    )
    notifications = dict(
        Notification.objects.filter(recipient__username__in=tree_demo.DEMO_LOGINS_BY_USERNAME)
        .values_list("recipient__username")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return StudyDemoSummary(
        year=year,
        materials=materials["total"],
        required_materials=materials["required"],
        categories=materials["categories"],
        templates=StudyPlan.objects.filter(
            organization__path__startswith=prefix, is_template=True, published_at__isnull=False
        ).count(),
        branches=branches["total"],
        plans_by_status={status: by_status.get(status, 0) for status in PlanStatus.values},
        branches_without_plan=branches["without"],
        tasks=tasks["total"],
        done_tasks=tasks["done"],
        overdue_tasks=tasks["overdue"],
        cadre_plans=CadreStudyPlan.objects.filter(member__organization__path__startswith=prefix, year=year).count(),
        demo_notifications={username: notifications.get(username, 0) for username in tree_demo.DEMO_LOGINS_BY_USERNAME},
    )


# ---------------------------------------------------------------------------
# The story
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    """A plan item as a branch's plan gets it (from the template, or the branch's own)."""

    month: int
    topic: str
    form: str
    audience: str
    due_date: datetime.date
    hours: Decimal
    material_ids: tuple[int, ...]
    keyword: str
    own: bool = False


@dataclass(frozen=True)
class _Member:
    pk: int
    is_leading_cadre: bool
    is_probationary: bool
    digest: str
    username: str | None
    started_on: datetime.date | None

    def addressed_by(self, item: _Item) -> bool:
        if item.audience == Audience.LEADING_CADRES:
            return self.is_leading_cadre
        if item.audience == Audience.PROBATIONARY:
            return self.is_probationary
        return item.audience == Audience.ALL


@dataclass
class _Branch:
    pk: int
    code: str
    path: str
    category: str
    is_weak: bool
    members: list[_Member] = field(default_factory=list)

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.split("/") if part][:-1]


@dataclass
class _Context:
    seed: int
    today: datetime.date
    year: int
    district: Organization
    template: StudyPlan
    template_items: list[StudyPlanItem]
    material_paths: dict[int, str]
    materials: dict[str, StudyMaterial]
    officers: dict[int, list[int]]  # organisation → officer and administrator users
    managers: dict[int, int]  # branch → the user who drafts and submits its plan
    result: StudyDemoResult

    @property
    def template_published_at(self) -> datetime.datetime:
        return template_published_at(self.year)

    @property
    def story_end(self) -> datetime.datetime:
        """Nothing in the story happens after 08:00 on `today`."""
        return _at(self.today, 8)

    def officer_above(self, branch: _Branch) -> int | None:
        """The officer who files: at the nearest committee above that has officers (as study.plans.services)."""
        for organization_id in reversed(branch.ancestor_ids):
            if organization_id in self.officers:
                return self.officers[organization_id][0]
        return None


def template_published_at(year: int) -> datetime.datetime:
    """When 东城区委 published the year's template: 15 December of the year before, 10:00."""
    return _at(datetime.date(year - 1, 12, 15), 10)


def _state_of(branch: _Branch, seed: int) -> str:
    if branch.code == DEMO_BRANCH_CODE:
        return FILED
    if branch.code in SHOWCASE_STATES:
        return SHOWCASE_STATES[branch.code]
    roll = _rng(seed, "state", branch.code).random()
    if branch.is_weak:
        roll *= 0.35  # weak branches (软弱涣散) are behind more often
    return next((state for state, threshold in STATE_THRESHOLDS if roll < threshold), FILED)


def study_demo_seed(
    *,
    seed: int = tree_demo.DEFAULT_SEED,
    today: datetime.date,
    log: Callable[[str], None] | None = None,
) -> StudyDemoResult:
    """Create what is missing of the study demo for the demo tree under 北京市委 (see the module docstring).

    Needs the tree and the demo logins of `demo.tree.demo_seed`. Safe to run again: nothing that exists is
    written twice, and reminders already sent are not sent again.
    """
    started = time.perf_counter()
    result = StudyDemoResult(year=today.year)
    city = Organization.objects.filter(code=CITY_CODE).first()
    district = Organization.objects.filter(code=DISTRICT_CODE).first()
    if city is None or district is None:
        result.seconds = time.perf_counter() - started
        return result
    users = {username: User.objects.filter(username=username).first() for username in tree_demo.DEMO_LOGINS_BY_USERNAME}
    materials = _materials_ensure(city=city, district=district, users=users, today=today, result=result)
    template = _template_ensure(
        district=district,
        year=today.year,
        specs=TEMPLATE_ITEMS,
        materials=materials,
        by=users["district"],
        published_at=template_published_at(today.year),
        result=result,
    )
    _template_ensure(
        district=district,
        year=today.year + 1,
        specs=NEXT_YEAR_ITEMS,
        materials=materials,
        by=users["district"],
        published_at=None,
        result=result,
    )
    template_items = list(template.items.prefetch_related("materials").order_by("month", "due_date", "pk"))
    context = _Context(
        seed=seed,
        today=today,
        year=today.year,
        district=district,
        template=template,
        template_items=template_items,
        material_paths=dict(
            StudyMaterial.objects.filter(
                pk__in={m.pk for item in template_items for m in item.materials.all()}
                | {m.pk for m in materials.values()}
            ).values_list("pk", "organization__path")
        ),
        materials=materials,
        officers=_officers(),
        managers={},
        result=result,
    )
    branches = _branches_to_plan(city=city, year=today.year)
    context.managers = _managers(branch.pk for branch in branches)
    bulk = []
    for branch in branches:
        state = _state_of(branch, seed)
        if state == NONE:
            continue
        if branch.code in SHOWCASE_STATES and state in LIVE_STATES:
            _showcase_plan(context, branch, state)
        else:
            bulk.append((branch, state))
    bulk_started = time.perf_counter()
    tasks_before = result.tasks_created
    for start in range(0, len(bulk), BRANCH_CHUNK):
        chunk = bulk[start : start + BRANCH_CHUNK]
        _load_members([branch for branch, _state in chunk])
        with transaction.atomic():
            _write_plans(context, chunk)
    if bulk:
        _analyze_tables()
        if log:
            log(
                _("学习计划：新增%(plans)d份（批量写入），学习任务%(tasks)d项，用时%(seconds).1f秒。")
                % {
                    "plans": len(bulk),
                    "tasks": result.tasks_created - tasks_before,
                    "seconds": time.perf_counter() - bulk_started,
                }
            )
    _cadre_plans_ensure(context)
    result.reminders_sent += _reminders_send(context)
    result.seconds = time.perf_counter() - started
    return result


# -- materials and templates ------------------------------------------------------------------------------


def _materials_ensure(
    *,
    city: Organization,
    district: Organization,
    users: dict[str, User | None],
    today: datetime.date,
    result: StudyDemoResult,
) -> dict[str, StudyMaterial]:
    """The materials of MATERIALS, published through `material_publish` when missing (by organisation and title)."""
    publishers = {CITY: (city, users["admin"]), DISTRICT: (district, users["district"])}
    existing = {
        (material.organization_id, material.title): material
        for material in StudyMaterial.objects.filter(organization__in=[city, district])
    }
    found = {}
    for spec in MATERIALS:
        organization, user = publishers[spec.publisher]
        material = existing.get((organization.pk, spec.title))
        if material is None:
            material = materials_services.material_publish(
                organization=organization,
                published_by=user,
                title=spec.title,
                category=spec.category,
                body=spec.body,
                is_required=spec.is_required,
                published_on=today - datetime.timedelta(days=spec.age_days),
            )
            result.materials_created += 1
        found[spec.key] = material
    return found


@transaction.atomic
def _template_ensure(
    *,
    district: Organization,
    year: int,
    specs: Sequence[ItemSpec],
    materials: dict[str, StudyMaterial],
    by: User | None,
    published_at: datetime.datetime | None,
    result: StudyDemoResult,
) -> StudyPlan:
    """The district's template for the year, made and published through the services when missing.

    With `published_at`, the template (and its history) is dated back to that moment: it was published before
    the year began, and the branches' plans were adopted from it.
    """
    template = StudyPlan.objects.filter(organization=district, year=year, is_template=True, is_current=True).first()
    if template is not None:
        return template
    template = services.plan_create(
        organization=district,
        year=year,
        title=f"{year}年度“两学一做”学习计划",
        created_by=by,
        is_template=True,
    )
    for spec in specs:
        services.plan_item_save(
            plan=template,
            materials=[materials[key] for key in spec.materials],
            month=spec.month,
            topic=spec.topic,
            form=spec.form,
            audience=spec.audience,
            due_date=default_due_date(year, spec.month),
            hours=Decimal(spec.hours),
        )
    services.template_publish(plan=template, published_by=by)
    if published_at is not None:
        StudyPlan.objects.filter(pk=template.pk).update(published_at=published_at)
        history = list(template.history.order_by("pk"))
        for step, change in enumerate(history):
            change.changed_at = published_at - datetime.timedelta(days=len(history) - 1 - step)
        PlanStatusChange.objects.bulk_update(history, ["changed_at"])
        template.refresh_from_db()
    result.templates_created += 1
    return template


# -- branches -------------------------------------------------------------------------------------------------


def _branches_to_plan(*, city: Organization, year: int) -> list[_Branch]:
    """The branches under the 市委 with active members and no plan for the year yet, by code."""
    planned = StudyPlan.objects.filter(year=year, is_template=False).values("organization_id")
    with_members = Member.objects.filter(status=MemberStatus.ACTIVE).values("organization_id")
    return [
        _Branch(*row)
        for row in Organization.objects.filter(
            path__startswith=city.path, kind=OrganizationKind.BRANCH, pk__in=with_members
        )
        .exclude(pk__in=planned)
        .order_by("code")
        .values_list("pk", "code", "path", "category", "is_weak")
    ]


def _officers() -> dict[int, list[int]]:
    officers: dict[int, set[int]] = defaultdict(set)
    for organization_id, user_id in Role.objects.filter(
        kind__in=[RoleKind.OFFICER, RoleKind.ADMINISTRATOR], user__is_active=True
    ).values_list("organization_id", "user_id"):
        officers[organization_id].add(user_id)
    return {organization_id: sorted(user_ids) for organization_id, user_ids in officers.items()}


def _managers(branch_ids: Iterable[int]) -> dict[int, int]:
    """For each branch, its secretary's account (or another manager's): who adopts and submits the plan."""
    rank = {kind: number for number, kind in enumerate((RoleKind.SECRETARY, RoleKind.DEPUTY_SECRETARY))}
    best: dict[int, tuple[int, int]] = {}
    ids = list(branch_ids)
    for start in range(0, len(ids), 1000):
        for organization_id, kind, user_id in Role.objects.filter(
            organization_id__in=ids[start : start + 1000], kind__in=MANAGING_ROLE_KINDS
        ).values_list("organization_id", "kind", "user_id"):
            key = (rank.get(kind, len(rank)), user_id)
            if organization_id not in best or key < best[organization_id]:
                best[organization_id] = key
    return {organization_id: user_id for organization_id, (_rank, user_id) in best.items()}


def _load_members(branches: list[_Branch]) -> None:
    """Each branch's active members, with the day they joined it (their open membership). Two queries."""
    by_pk = {branch.pk: branch for branch in branches}
    started = dict(
        Membership.objects.filter(organization_id__in=by_pk, ended_on__isnull=True).values_list(
            "member_id", "started_on"
        )
    )
    for pk, organization_id, cadre, membership_type, digest, username in (
        Member.objects.filter(organization_id__in=by_pk, status=MemberStatus.ACTIVE)
        .order_by("organization_id", "pk")
        .values_list(
            "pk", "organization_id", "is_leading_cadre", "membership_type", "id_number_digest", "user__username"
        )
    ):
        by_pk[organization_id].members.append(
            _Member(
                pk=pk,
                is_leading_cadre=cadre,
                is_probationary=membership_type == MembershipType.PROBATIONARY,
                digest=digest,
                username=username,
                started_on=started.get(pk),
            )
        )


def _items_for(context: _Context, branch: _Branch, state: str) -> list[_Item]:
    """What the branch's plan holds: the template's items (outside 东城, the same items with the materials that
    reach the branch), without the items nobody in the branch is addressed by (a branch deletes them before it
    can submit), without the months after this one for a plan that stops there; the demo branch adds two
    items of its own this month."""
    items = []
    for item in context.template_items:
        materials = tuple(
            material.pk
            for material in item.materials.all()
            if branch.path.startswith(context.material_paths.get(material.pk, "-"))
        )
        items.append(
            _Item(
                month=item.month,
                topic=item.topic,
                form=item.form,
                audience=item.audience,
                due_date=item.due_date,
                hours=item.hours,
                material_ids=materials,
                keyword=KEYWORDS.get(item.topic, "本月学习内容"),
            )
        )
    if branch.code == DEMO_BRANCH_CODE:
        items.extend(_own_items(context))
    if state == PARTIAL:
        items = [item for item in items if item.month <= context.today.month]
    if state != DRAFT:
        items = [item for item in items if any(member.addressed_by(item) for member in branch.members)]
    return items


def _own_items(context: _Context) -> list[_Item]:
    """The demo branch adapts the template: a 主题党日 due within three days and a district material, this month."""
    today = context.today
    month_end = _month_end(today.year, today.month)
    theme_day = min(today + datetime.timedelta(days=2), month_end)
    materials = context.materials
    return [
        _Item(
            month=today.month,
            topic=OWN_ITEM_THEME_DAY % {"month": today.month},
            form=StudyForm.COLLECTIVE,
            audience=Audience.ALL,
            due_date=theme_day,
            hours=Decimal(2),
            material_ids=(materials["charter_members"].pk,),
            keyword="入党誓词",
            own=True,
        ),
        _Item(
            month=today.month,
            topic=OWN_ITEM_DISTRICT,
            form=StudyForm.SELF_STUDY,
            audience=Audience.ALL,
            due_date=month_end,
            hours=Decimal(1),
            material_ids=(materials["district_arrangement"].pk,),
            keyword=OWN_KEYWORDS[OWN_ITEM_DISTRICT],
            own=True,
        ),
    ]


def _submit_note(items: Iterable[_Item]) -> str:
    """The comment `plan_submit` writes when some months have no item."""
    missing = sorted(set(range(1, 13)) - {item.month for item in items})
    return _("以下月份暂无学习安排：%(months)s") % {"months": "、".join(f"{m}月" for m in missing)} if missing else ""


@dataclass
class _PlanRows:
    branch: _Branch
    state: str
    plan: StudyPlan
    items: list[_Item]
    history: list[tuple[str, str, int | None, datetime.datetime, str]]  # from, to, by, at, comment
    rng: random.Random
    item_rows: list[StudyPlanItem] = field(default_factory=list)


def _plan_rows(context: _Context, branch: _Branch, state: str) -> _PlanRows:
    """The plan, its items and its history for one branch, with the dates of the story."""
    rng = _rng(context.seed, "plan", branch.code)
    cap = context.story_end
    manager = context.managers.get(branch.pk)
    officer = context.officer_above(branch)
    items = _items_for(context, branch, state)
    if state in (FILED, PARTIAL):  # adopted in December or early January, filed in January
        created = min(_at(context.template_published_at.date(), rng.randint(9, 16)) + _days(rng, 1, 20), cap)
    else:  # the branches that are behind started later
        latest = max(20, (context.today - context.template_published_at.date()).days - 3)
        created = min(_at(context.template_published_at.date(), rng.randint(9, 16)) + _days(rng, 20, latest), cap)
    submitted = min(created + _days(rng, 1, 10), cap)
    decided = min(submitted + _days(rng, 1, 6), cap)
    in_district = branch.path.startswith(context.district.path)
    status = {DRAFT: PlanStatus.DRAFT, SUBMITTED: PlanStatus.SUBMITTED, RETURNED: PlanStatus.RETURNED}.get(
        state, PlanStatus.FILED
    )
    plan = StudyPlan(
        organization_id=branch.pk,
        year=context.year,
        title=context.template.title,
        status=status,
        template=context.template if in_district else None,
        is_current=True,
        submitted_at=submitted if status != PlanStatus.DRAFT else None,
        filed_at=decided if status == PlanStatus.FILED else None,
    )
    history = [("", PlanStatus.DRAFT, manager, created, "")]
    if status != PlanStatus.DRAFT:
        history.append((PlanStatus.DRAFT, PlanStatus.SUBMITTED, manager, submitted, _submit_note(items)))
    if status == PlanStatus.FILED:
        history.append((PlanStatus.SUBMITTED, PlanStatus.FILED, officer, decided, rng.choice(FILE_COMMENTS)))
    elif status == PlanStatus.RETURNED:
        history.append((PlanStatus.SUBMITTED, PlanStatus.RETURNED, officer, decided, rng.choice(RETURN_COMMENTS)))
    return _PlanRows(branch=branch, state=state, plan=plan, items=items, history=history, rng=rng)


def _days(rng: random.Random, low: int, high: int) -> datetime.timedelta:
    return datetime.timedelta(days=rng.randint(low, high), minutes=rng.randint(0, 59))


def _write_plans(context: _Context, chunk: list[tuple[_Branch, str]]) -> None:
    """Plans, items, item materials, history and (for filed plans) tasks of a chunk of branches, in bulk."""
    rows = [_plan_rows(context, branch, state) for branch, state in chunk]
    StudyPlan.objects.bulk_create([row.plan for row in rows], batch_size=1000)
    for row in rows:
        row.item_rows = [
            StudyPlanItem(
                plan=row.plan,
                key=uuid.UUID(int=row.rng.getrandbits(128), version=4),
                month=item.month,
                topic=item.topic,
                form=item.form,
                audience=item.audience,
                due_date=item.due_date,
                hours=item.hours,
            )
            for item in row.items
        ]
    StudyPlanItem.objects.bulk_create([item for row in rows for item in row.item_rows], batch_size=2000)
    through = StudyPlanItem.materials.through
    through.objects.bulk_create(
        [
            through(studyplanitem_id=item_row.pk, studymaterial_id=material_id)
            for row in rows
            for item, item_row in zip(row.items, row.item_rows, strict=True)
            for material_id in item.material_ids
        ],
        batch_size=2000,
    )
    changes = [
        PlanStatusChange(plan=row.plan, from_status=old, to_status=new, changed_by_id=by, comment=comment)
        for row in rows
        for old, new, by, _at_, comment in row.history
    ]
    PlanStatusChange.objects.bulk_create(changes, batch_size=2000)
    # changed_at is auto_now_add: bulk_create stamps "now", the story's dates come after.
    moments = [at for row in rows for _old, _new, _by, at, _comment in row.history]
    for change, moment in zip(changes, moments, strict=True):
        change.changed_at = moment
    PlanStatusChange.objects.bulk_update(changes, ["changed_at"], batch_size=1000)
    context.result.plans_created += len(rows)

    maker = _TaskMaker()
    tasks = [task for row in rows if row.plan.status == PlanStatus.FILED for task in _tasks_for(context, row, maker)]
    StudyTask.objects.bulk_create(tasks, batch_size=TASK_BATCH_SIZE)
    context.result.tasks_created += len(tasks)


class _TaskMaker:
    """Builds StudyTask instances quickly: positional arguments in the model's field order, starting from the
    model's own defaults (half a million tasks for 2,000 branches: keyword arguments cost a third of the time)."""

    def __init__(self) -> None:
        names = [field.attname for field in StudyTask._meta.concrete_fields]
        prototype = StudyTask()
        self.defaults = [getattr(prototype, name) for name in names]
        index = {name: number for number, name in enumerate(names)}
        self.member = index["member_id"]
        self.item = index["item_id"]
        self.item_key = index["item_key"]
        self.organization = index["organization_id"]
        self.due_date = index["due_date"]
        self.status = index["status"]
        self.completed_at = index["completed_at"]
        self.reflection = index["reflection"]


PAST, THIS_MONTH, LATER = "past", "this_month", "later"


def _tasks_for(context: _Context, row: _PlanRows, maker: _TaskMaker) -> list[StudyTask]:
    """What `tasks_sync_for_plan` gives the members when the plan is filed, and what they did since."""
    today = context.today
    story_end = context.story_end
    branch = row.branch
    filed_at = row.plan.filed_at
    rng = _rng(context.seed, "diligence", branch.code)
    diligence = rng.uniform(0.45, 0.75) if branch.is_weak else rng.triangular(0.8, 1.0, 0.95)
    month_start = _at(today.replace(day=1), 8)
    yesterday_evening = _at(today - datetime.timedelta(days=1), 22)
    this_month_share = (today.day - 1) / calendar.monthrange(today.year, today.month)[1]
    items = []
    for item, item_row in zip(row.items, row.item_rows, strict=True):
        due = item.due_date
        if due < today:
            when = PAST
        elif (due.year, due.month) == (today.year, today.month):
            when = THIS_MONTH
        else:
            when = LATER
        months_ago = (today.year - due.year) * 12 + today.month - due.month
        start = max(filed_at, _at(datetime.date(due.year, item.month, 1), 8))
        items.append((item, item_row, when, months_ago, start, _at(due, 22)))
    tasks = []
    for member in branch.members:
        member_rng = _rng(context.seed, "member", member.digest)
        joined = None
        if member.started_on and member.started_on > filed_at.date():
            joined = _at(member.started_on, 9)
        factor = member_rng.uniform(0.3, 0.7) if member_rng.random() < 0.1 else 1.0
        addressed = [
            entry
            for entry in items
            if member.addressed_by(entry[0]) and (joined is None or entry[0].due_date >= member.started_on)
        ]
        forced = _demo_outcomes(member.username, [entry[0] for entry in addressed], today)
        for item, item_row, when, months_ago, start, due_evening in addressed:
            low = max(start, joined) if joined else start
            if when == PAST:  # mostly done, a few overdue
                done = member_rng.random() < diligence * factor + 0.02 * months_ago
                high = due_evening
                if member_rng.random() < 0.08:  # done a few days late
                    high = min(high + datetime.timedelta(days=member_rng.randint(1, 10)), story_end)
            elif when == THIS_MONTH:  # partly done
                low = max(low, month_start)
                high = yesterday_evening
                done = high >= low and member_rng.random() < diligence * factor * this_month_share
            else:
                done, high = False, low
            if forced is not None and item in forced:
                done = forced[item]
                high = max(high, low)
            values = maker.defaults.copy()
            values[maker.member] = member.pk
            values[maker.item] = item_row.pk
            values[maker.item_key] = item_row.key
            values[maker.organization] = branch.pk
            values[maker.due_date] = item.due_date
            if done:
                values[maker.status] = TaskStatus.DONE
                values[maker.completed_at] = _moment(member_rng, low, min(high, story_end))
                values[maker.reflection] = _reflection(member_rng, keyword=item.keyword, category=branch.category)
            tasks.append(StudyTask(*values))
    return tasks


def _demo_outcomes(username: str | None, items: list[_Item], today: datetime.date) -> dict[_Item, bool] | None:
    """The demo logins' tasks are not left to chance.

    `member`: every past task done except the latest one and, from six past tasks on, one three tasks earlier
    (overdue); this month's all open, except when nothing is past yet (January), when the template's item is
    done, so that something is done.
    `secretary`: everything past done, this month's template item done, the branch's own items open.
    """
    if username not in ("member", "secretary"):
        return None
    past = [item for item in items if item.due_date < today]
    this_month = [item for item in items if item.due_date >= today and item.month == today.month]
    outcome = {item: True for item in past}
    outcome.update({item: False for item in this_month})
    if username == "member":
        overdue = past[-1:] + (past[-4:-3] if len(past) >= 6 else [])
        outcome.update({item: False for item in overdue})
        if not past:
            outcome.update({item: True for item in this_month if not item.own})
    else:
        outcome.update({item: True for item in this_month if not item.own})
    return outcome


def _analyze_tables() -> None:
    """Fresh planner statistics after the bulk load (as `demo.tree` does for the tree)."""
    models = (StudyPlan, StudyPlanItem, StudyPlanItem.materials.through, PlanStatusChange, StudyTask)
    with connection.cursor() as cursor:
        for model in models:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"ANALYZE {table}")  # noqa: S608 - table names from the models


# -- the showcase branches: live states through the services ------------------------------------------------


def _showcase_plan(context: _Context, branch: _Branch, state: str) -> None:
    """Draft, submitted or returned, now, through the services (which notify the officers and the branch)."""
    manager = User.objects.filter(pk=context.managers.get(branch.pk)).first()
    organization = Organization.objects.get(pk=branch.pk)
    plan = services.plan_adopt_template(template=context.template, organization=organization, adopted_by=manager)
    context.result.plans_created += 1
    if state == DRAFT:
        return
    members = Member.objects.filter(organization=organization, status=MemberStatus.ACTIVE)
    for item in plan.items.all():
        if not members.filter(services.audience_members(organization=organization, item=item)).exists():
            services.plan_item_delete(item=item)
    plan = services.plan_submit(plan=plan, submitted_by=manager)
    if state != RETURNED:
        return
    officer = User.objects.filter(pk=context.officer_above(branch)).first()
    comment = _rng(context.seed, "return", branch.code).choice(RETURN_COMMENTS)
    services.plan_return(plan=plan, returned_by=officer, comment=comment)
    # The officer read the plan before returning it: the "please file" notification is no longer news.
    for notification in Notification.objects.filter(
        reminder__kind=ReminderKind.PLAN_SUBMITTED, reminder__object_key=f"plan:{plan.pk}"
    ):
        notification_mark_read(notification=notification)


# -- cadres and reminders -------------------------------------------------------------------------------------


def _cadre_plans_ensure(context: _Context) -> None:
    """A 个人自学计划 for the first leading cadres of 东城 (by branch code), through `cadre_item_save`."""
    today = context.today
    cadres = list(
        Member.objects.filter(
            organization__path__startswith=context.district.path,
            organization__kind=OrganizationKind.BRANCH,
            status=MemberStatus.ACTIVE,
            is_leading_cadre=True,
        )
        .select_related("organization")
        .order_by("organization__code", "id_number_digest")[:CADRE_PLANS]
    )
    have_plans = set(
        CadreStudyPlan.objects.filter(member__in=cadres, year=context.year).values_list("member_id", flat=True)
    )
    for member in cadres:
        if member.pk in have_plans:
            continue
        rng = _rng(context.seed, "cadre", member.id_number_digest)
        with transaction.atomic():
            for month, title, note in CADRE_ITEMS:
                if month < today.month:
                    progress = 100 if rng.random() < 0.85 else rng.choice((60, 80))
                elif month == today.month:
                    progress = rng.choice((20, 40, 50))
                else:
                    progress = 0
                learning_services.cadre_item_save(
                    member=member,
                    year=context.year,
                    title=title,
                    target_month=month,
                    progress=progress,
                    note=note if progress else "",
                )
        context.result.cadre_plans_created += 1


def _reminders_send(context: _Context) -> int:
    """The scheduled reminders for the demo branch and the demo committees, through `study.reminders`.

    Inbox only: the demo addresses do not exist, and the console backend would print every e-mail.
    """
    today = context.today
    branch_ids = list(Organization.objects.filter(code=DEMO_BRANCH_CODE).values_list("pk", flat=True))
    committee_ids = list(
        Organization.objects.filter(code__in=[CITY_CODE, DISTRICT_CODE, COMMITTEE_CODE]).values_list("pk", flat=True)
    )
    sent = 0
    if branch_ids:
        sent += reminders.due_task_reminders_send(organization_ids=branch_ids, today=today, email=False)
        sent += reminders.overdue_task_digests_send(organization_ids=branch_ids, today=today, email=False)
        sent += reminders.monthly_plan_reminders_send(organization_ids=branch_ids, today=today, email=False)
    sent += reminders.annual_plan_officer_digests_send(committee_ids=committee_ids, today=today, email=False)
    return sent
