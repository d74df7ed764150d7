"""The English texts of the default rules (migrations 0002 and 0007), for the English pages.

A rule row whose Chinese title, source or gap text is one of the defaults gets the English beside it, where its
English field is still blank: the default rows, and the versions administrators made of them without changing
that text. The data is written out here so that this migration never changes.
"""

from django.db import migrations

PLAN = "Implementation Plan"  # 《实施方案》: the Beijing implementation plan (2017)
REGULATIONS = "Regulations on the Work of CPC Branches (Trial) (2018)"  # 《中国共产党支部工作条例（试行）》

TITLES = {
    "党小组每月至少组织一次集中学习": "Each Party group holds collective study at least once a month",
    "不设党小组的党支部每月至少组织一次集中学习": (
        "A Party branch without Party groups holds collective study at least once a month"
    ),
    "每季度召开一次支部党员大会，组织专题研讨": "A branch general meeting with a thematic discussion every quarter",
    "每月至少开展一次主题党日": "A Theme Party Day at least once a month",
    "每月召开一次支部委员会": "A branch committee meeting every month",
    "每季度至少上一次党课": "A Party lecture at least once a quarter",
    "每年召开一次组织生活会": "An organisational life meeting every year",
    "每年召开一次组织生活会，开展民主评议党员": (
        "Hold an organisational life meeting and the democratic evaluation of members every year"
    ),
    "领导班子每年召开一次民主生活会": "A democratic life meeting of the leadership team every year",
    "党委（党组）书记每年至少为基层党员讲一次党课": (
        "The secretary of the Party committee (leading Party group) gives grassroots members a Party lecture at "
        "least once a year"
    ),
    "七一前后开展仪式教育": "Ceremony education around 1 July",
}
SOURCES = {
    "《实施方案》二.1：党小组每月至少要组织党员进行一至两次集中学习": (
        f"{PLAN} §2.1: each Party group organises collective study for its members once or twice a month at least"
    ),
    "《实施方案》二.1：不设党小组的，以党支部为单位集中学习": (
        f"{PLAN} §2.1: where there are no Party groups, collective study is held by the whole Party branch"
    ),
    "《实施方案》二.1：党支部每季度召开一次全体党员会议，组织专题研讨": (
        f"{PLAN} §2.1: each Party branch holds a meeting of all its members every quarter, with a thematic discussion"
    ),
    "《实施方案》二.3：党支部每月至少固定一天，组织党员集中学习、听党课，开展民主议事和志愿服务等活动": (
        f"{PLAN} §2.3: each Party branch sets aside at least one fixed day a month for collective study, Party "
        "lectures, democratic deliberation, volunteer service and similar activities"
    ),
    "《中国共产党支部工作条例（试行）》（2018）：支部委员会会议一般每月召开1次": (
        f"{REGULATIONS}: the branch committee generally meets once a month"
    ),
    "《中国共产党支部工作条例（试行）》（2018）：党课一般每季度1次": (
        f"{REGULATIONS}: a Party lecture generally once a quarter"
    ),
    "《实施方案》二.3：民主生活会和组织生活会要严肃认真开展批评和自我批评；要坚持开展民主评议党员": (
        f"{PLAN} §2.3: democratic life meetings and organisational life meetings are to carry out criticism and "
        "self-criticism seriously; the democratic evaluation of members is to be kept up"
    ),
    "《实施方案》二.3：民主生活会和组织生活会要严肃认真开展批评和自我批评": (
        f"{PLAN} §2.3: democratic life meetings and organisational life meetings are to carry out criticism and "
        "self-criticism seriously"
    ),
    "《实施方案》二.6：各级党委（党组）书记每年至少为基层党员讲一次党课": (
        f"{PLAN} §2.6: secretaries of Party committees (leading Party groups) at every level give grassroots "
        "members a Party lecture at least once a year"
    ),
    "《实施方案》二.3：“七一”前后，要集中组织党员开展仪式教育": (
        f"{PLAN} §2.3: around 1 July, members are to take part in ceremony education together"
    ),
}
MISSING_TEXTS = {
    "未组织党小组集中学习": "No Party group collective study held",
    "未组织集中学习": "No collective study held",
    "未召开支部党员大会（专题研讨）": "No branch general meeting (thematic discussion) held",
    "未开展主题党日": "No Theme Party Day held",
    "未召开支部委员会": "No branch committee meeting held",
    "未上党课": "No Party lecture given",
    "未召开组织生活会": "No organisational life meeting held",
    "未召开组织生活会或未完成民主评议党员": (
        "No organisational life meeting, or the democratic evaluation of members not completed"
    ),
    "未召开民主生活会": "No democratic life meeting held",
    "书记未讲党课": "No Party lecture by the secretary",
    "七一前后未开展仪式教育": "No ceremony education around 1 July",
}
FIELDS = (
    ("title", "title_en", TITLES),
    ("source", "source_en", SOURCES),
    ("missing_text", "missing_text_en", MISSING_TEXTS),
)


def fill(apps, schema_editor):
    Rule = apps.get_model("reviews", "Rule")
    for chinese, english, texts in FIELDS:
        for text, translation in texts.items():
            Rule.objects.filter(**{chinese: text, english: ""}).update(**{english: translation})


class Migration(migrations.Migration):
    dependencies = [("reviews", "0016_add_rule_english_texts")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
