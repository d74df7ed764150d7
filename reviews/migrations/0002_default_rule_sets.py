"""The default rule sets: DESIGN.md §3 rules C1–C9 (national and Beijing 2017), in force from 2017-01-01.

The data is written out here (not imported from reviews.rules) so that this migration never changes.
"""

import datetime

from django.db import migrations

RULE_SETS = {
    "national": ("全国性规定", "《中国共产党支部工作条例（试行）》（2018）"),
    "beijing-2017": ("北京市推进“两学一做”学习教育常态化制度化实施方案（2017）", "中共北京市委《实施方案》（2017）"),
}
RULES = [
    {
        "set": "beijing-2017",
        "code": "C1",
        "scope": "group",
        "title": "党小组每月至少组织一次集中学习",
        "source": "《实施方案》二.1：党小组每月至少要组织党员进行一至两次集中学习",
        "period": "month",
        "kinds": ["collective_study", "group_meeting"],
        "min_count": 1,
        "condition": "",
        "window_start": None,
        "window_end": None,
        "missing_text": "未组织党小组集中学习",
    },
    {
        "set": "beijing-2017",
        "code": "C1",
        "scope": "branch_without_groups",
        "title": "不设党小组的党支部每月至少组织一次集中学习",
        "source": "《实施方案》二.1：不设党小组的，以党支部为单位集中学习",
        "period": "month",
        "kinds": ["collective_study", "group_meeting"],
        "min_count": 1,
        "condition": "",
        "window_start": None,
        "window_end": None,
        "missing_text": "未组织集中学习",
    },
    {
        "set": "beijing-2017",
        "code": "C2",
        "scope": "branch",
        "title": "每季度召开一次支部党员大会，组织专题研讨",
        "source": "《实施方案》二.1：党支部每季度召开一次全体党员会议，组织专题研讨",
        "period": "quarter",
        "kinds": ["general_meeting"],
        "min_count": 1,
        "condition": "with_thematic_discussion",
        "window_start": None,
        "window_end": None,
        "missing_text": "未召开支部党员大会（专题研讨）",
    },
    {
        "set": "beijing-2017",
        "code": "C3",
        "scope": "branch",
        "title": "每月至少开展一次主题党日",
        "source": "《实施方案》二.3：党支部每月至少固定一天，组织党员集中学习、听党课，开展民主议事和志愿服务等活动",
        "period": "month",
        "kinds": ["theme_day"],
        "min_count": 1,
        "condition": "",
        "window_start": None,
        "window_end": None,
        "missing_text": "未开展主题党日",
    },
    {
        "set": "national",
        "code": "C4",
        "scope": "branch_with_committee",
        "title": "每月召开一次支部委员会",
        "source": "《中国共产党支部工作条例（试行）》（2018）：支部委员会会议一般每月召开1次",
        "period": "month",
        "kinds": ["committee_meeting"],
        "min_count": 1,
        "condition": "",
        "window_start": None,
        "window_end": None,
        "missing_text": "未召开支部委员会",
    },
    {
        "set": "national",
        "code": "C5",
        "scope": "branch",
        "title": "每季度至少上一次党课",
        "source": "《中国共产党支部工作条例（试行）》（2018）：党课一般每季度1次",
        "period": "quarter",
        "kinds": ["party_lecture"],
        "min_count": 1,
        "condition": "",
        "window_start": None,
        "window_end": None,
        "missing_text": "未上党课",
    },
    {
        "set": "beijing-2017",
        "code": "C6",
        "scope": "branch",
        "title": "每年召开一次组织生活会",
        "source": "《实施方案》二.3：民主生活会和组织生活会要严肃认真开展批评和自我批评；要坚持开展民主评议党员",
        "period": "year",
        "kinds": ["org_life_meeting"],
        "min_count": 1,
        "condition": "",
        "window_start": None,
        "window_end": None,
        "missing_text": "未召开组织生活会",
    },
    {
        "set": "beijing-2017",
        "code": "C7",
        "scope": "committee",
        "title": "领导班子每年召开一次民主生活会",
        "source": "《实施方案》二.3：民主生活会和组织生活会要严肃认真开展批评和自我批评",
        "period": "year",
        "kinds": ["democratic_life_meeting"],
        "min_count": 1,
        "condition": "",
        "window_start": None,
        "window_end": None,
        "missing_text": "未召开民主生活会",
    },
    {
        "set": "beijing-2017",
        "code": "C8",
        "scope": "committee",
        "title": "党委（党组）书记每年至少为基层党员讲一次党课",
        "source": "《实施方案》二.6：各级党委（党组）书记每年至少为基层党员讲一次党课",
        "period": "year",
        "kinds": ["party_lecture"],
        "min_count": 1,
        "condition": "by_secretary",
        "window_start": None,
        "window_end": None,
        "missing_text": "书记未讲党课",
    },
    {
        "set": "beijing-2017",
        "code": "C9",
        "scope": "branch",
        "title": "七一前后开展仪式教育",
        "source": "《实施方案》二.3：“七一”前后，要集中组织党员开展仪式教育",
        "period": "year",
        "kinds": ["ceremony"],
        "min_count": 1,
        "condition": "",
        "window_start": (6, 15),
        "window_end": (7, 15),
        "missing_text": "七一前后未开展仪式教育",
    },
]


def install(apps, schema_editor):
    RuleSet = apps.get_model("reviews", "RuleSet")
    Rule = apps.get_model("reviews", "Rule")
    sets = {}
    for code, (name, source) in RULE_SETS.items():
        sets[code], _ = RuleSet.objects.get_or_create(code=code, defaults={"name": name, "source": source})
    for spec in RULES:
        start, end = spec["window_start"], spec["window_end"]
        Rule.objects.get_or_create(
            rule_set=sets[spec["set"]],
            code=spec["code"],
            scope=spec["scope"],
            previous=None,
            defaults={
                "title": spec["title"],
                "source": spec["source"],
                "period": spec["period"],
                "kinds": spec["kinds"],
                "min_count": spec["min_count"],
                "condition": spec["condition"],
                "window_start_month": start[0] if start else None,
                "window_start_day": start[1] if start else None,
                "window_end_month": end[0] if end else None,
                "window_end_day": end[1] if end else None,
                "missing_text": spec["missing_text"],
                "effective_from": datetime.date(2017, 1, 1),
            },
        )


def uninstall(apps, schema_editor):
    apps.get_model("reviews", "Rule").objects.filter(rule_set__code__in=RULE_SETS).delete()
    apps.get_model("reviews", "RuleSet").objects.filter(code__in=RULE_SETS).delete()


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_rules_results_rollups_flags")]

    operations = [migrations.RunPython(install, uninstall)]
