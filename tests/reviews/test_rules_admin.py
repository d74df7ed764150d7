"""The rules in the Django admin: versions instead of rewrites, clear messages for bad rules, scoped querysets."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.meetings import services as activities
from activities.models import MeetingKind
from branches.models import RoleKind
from portal.jobs.models import Job, JobState
from reviews.compliance.rule_versions import COMPLIANCE_RECOMPUTE, compliance_recompute_start
from reviews.compliance.rules import PeriodKind, period_containing
from reviews.models import ComplianceResult, FlagLevel, MemberFlag, Rule, RuleSet
from tests.activities.conftest import local
from tests.conftest import enrol_totp
from tests.factories import BranchFactory, MemberFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)
PERMISSIONS = [
    f"{action}_{model}" for model in ("rule", "ruleset") for action in ("view", "add", "change", "delete")
] + [
    f"{action}_{model}"
    for model in ("complianceresult", "compliancerollup", "memberflag")
    for action in ("view", "change")
]


def staff(organization, username):
    user = UserFactory(username=username, is_staff=True)
    give_role(user, organization, RoleKind.ADMINISTRATOR)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="reviews", codename__in=PERMISSIONS))
    enrol_totp(user)
    return user


@pytest.fixture
def city_admin(city):
    return staff(city, "city_admin")


@pytest.fixture
def district_admin(district):
    return staff(district, "district_admin")


@pytest.fixture
def c3():
    return Rule.objects.get(code="C3")


def change_url(rule):
    return reverse("admin:reviews_rule_change", args=[rule.pk])


def rule_data(rule=None, **changes):
    """What the admin's rule form posts (a rule's values, with changes)."""
    data = {
        "rule_set": rule.rule_set_id if rule else RuleSet.objects.get(code="beijing-2017").pk,
        "code": rule.code if rule else "X1",
        "title": rule.title if rule else "每月开展一次志愿服务",
        "source": rule.source if rule else "区委规定",
        "missing_text": rule.missing_text if rule else "未开展志愿服务",
        "title_en": rule.title_en if rule else "",
        "source_en": rule.source_en if rule else "",
        "missing_text_en": rule.missing_text_en if rule else "",
        "scope": rule.scope if rule else "branch",
        "period": rule.period if rule else "month",
        "kinds": rule.kinds if rule else ["volunteer_service"],
        "categories": rule.categories if rule else [],
        "min_count": rule.min_count if rule else 1,
        "condition": rule.condition if rule else "",
        "window_start_month": (rule.window_start_month or "") if rule else "",
        "window_start_day": (rule.window_start_day or "") if rule else "",
        "window_end_month": (rule.window_end_month or "") if rule else "",
        "window_end_day": (rule.window_end_day or "") if rule else "",
        "effective_to": "",
    }
    if rule is None:
        data["effective_from"] = period_containing(PeriodKind.MONTH, timezone.localdate()).start.isoformat()
    data.update(changes)
    return data


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def this_period(kind=PeriodKind.MONTH):
    return period_containing(kind, timezone.localdate())


def next_period_start(kind=PeriodKind.MONTH):
    return period_containing(kind, this_period(kind).end + ONE_DAY).start


# A rule change never rewrites the past -------------------------------------------------------------------------


def test_changing_a_rule_in_force_keeps_the_old_row_and_creates_the_next_version(
    client, city_admin, c3, district, django_capture_on_commit_callbacks
):
    branch = BranchFactory(parent=district, established_on=datetime.date(2015, 1, 1))
    MemberFactory(organization=branch)
    today = timezone.localdate()
    month = this_period()
    starts = local(month.start.year, month.start.month, month.start.day, 0, 30)
    if starts <= timezone.now():
        meeting = activities.meeting_create(
            organization=branch,
            created_by=None,
            kind=MeetingKind.THEME_DAY,
            topic="主题党日",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
        )
        activities.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=None)
    before = Rule.objects.filter(pk=c3.pk).values().get()
    client.force_login(city_admin)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            change_url(c3),
            rule_data(c3, min_count=2, title="每月至少开展两次主题党日", revision_from=month.start.isoformat()),
        )

    assert response.status_code == 302
    old = Rule.objects.filter(pk=c3.pk).values().get()
    assert {k: v for k, v in old.items() if k not in ("effective_to", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("effective_to", "updated_at")
    }
    assert (old["min_count"], old["title"], old["effective_to"]) == (1, c3.title, month.start - ONE_DAY)
    new = Rule.objects.get(previous=c3)
    assert (new.min_count, new.title, new.effective_from, new.effective_to) == (
        2,
        "每月至少开展两次主题党日",
        month.start,
        None,
    )
    assert (new.rule_set_id, new.kinds, new.scope, new.period) == (c3.rule_set_id, c3.kinds, c3.scope, c3.period)
    job = Job.objects.get(kind=COMPLIANCE_RECOMPUTE)
    assert f'规则已保存，合规结果正在重新计算：<a href="{job.get_absolute_url()}">查看进度</a>' in messages_of(response)
    # One job sent after the commit (the recompute it runs then renews the roll-ups' version on its own commit).
    sends = [c for c in callbacks if getattr(getattr(c, "func", None), "__name__", "") == "apply_async"]
    assert len(sends) == 1
    job.refresh_from_db()
    assert (job.state, job.owner, job.params, job.result["year"]) == (
        JobState.DONE,
        city_admin,
        {"year": today.year},
        today.year,
    )
    # The recompute judged this month by the new version, and last month (this year) still by the old one.
    current = ComplianceResult.objects.get(organization=branch, rule_code="C3", period_key=month.key)
    assert (current.rule_id, current.required) == (new.pk, 2)
    if month.start.month > 1:
        last = period_containing(PeriodKind.MONTH, month.start - ONE_DAY)
        previous = ComplianceResult.objects.get(organization=branch, rule_code="C3", period_key=last.key)
        assert (previous.rule_id, previous.required) == (c3.pk, 1)
    assert today.year == current.period_start.year


def test_the_english_texts_are_edited_in_the_admin_and_a_change_to_them_is_a_new_version(client, city_admin, c3):
    client.force_login(city_admin)
    english = c3.title_en
    month = this_period()

    page = client.get(change_url(c3)).text
    response = client.post(
        change_url(c3),
        rule_data(c3, title_en="At least one Theme Party Day a month", revision_from=month.start.isoformat()),
    )

    assert "英文" in page and f'value="{english}"' in page and 'name="missing_text_en"' in page
    assert response.status_code == 302
    new = Rule.objects.get(previous=c3)
    assert (new.title_en, new.source_en, new.missing_text_en, new.title) == (
        "At least one Theme Party Day a month",
        c3.source_en,
        c3.missing_text_en,
        c3.title,
    )
    c3.refresh_from_db()
    assert (c3.title_en, c3.effective_to) == (english, month.start - ONE_DAY)


def test_the_new_version_starts_on_the_date_the_administrator_chooses(client, city_admin, c3):
    client.force_login(city_admin)
    starts = next_period_start()

    page = client.get(change_url(c3))
    response = client.post(change_url(c3), rule_data(c3, min_count=3, revision_from=starts.isoformat()))

    # The default: this period's first day.
    assert page.context["adminform"].form["revision_from"].value() == this_period().start
    assert response.status_code == 302
    c3.refresh_from_db()
    new = Rule.objects.get(previous=c3)
    assert (new.effective_from, c3.effective_to, new.min_count) == (starts, starts - ONE_DAY, 3)


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("past", "生效日期不能早于本周期的第一天"),
        ("", "请填写新版本的生效日期。"),
        ("garbage", "请输入正确的日期，如 2026-07-01。"),
    ],
)
def test_a_version_may_not_start_in_a_period_that_has_ended(client, city_admin, c3, when, message):
    client.force_login(city_admin)
    value = (this_period().start - ONE_DAY).isoformat() if when == "past" else when

    response = client.post(change_url(c3), rule_data(c3, min_count=2, revision_from=value))

    assert response.status_code == 200
    assert message in response.text
    assert 'value="2"' in response.text  # the administrator's input is kept
    c3.refresh_from_db()
    assert (c3.min_count, c3.effective_to) == (1, None)
    assert not Rule.objects.filter(previous=c3).exists()


def test_only_the_end_date_of_a_rule_in_force_changes_in_place(client, city_admin, c3):
    client.force_login(city_admin)
    ends = this_period().end

    response = client.post(change_url(c3), rule_data(c3, effective_to=ends.isoformat()))
    too_early = client.post(change_url(c3), rule_data(c3, effective_to="2020-01-31"))

    assert response.status_code == 302
    c3.refresh_from_db()
    assert (c3.effective_to, Rule.objects.filter(previous=c3).exists()) == (ends, False)
    assert "规则在已经结束的周期里仍然有效" in too_early.text


def test_a_rule_not_yet_in_force_is_edited_in_place_and_an_old_version_is_read_only(client, city_admin, c3):
    client.force_login(city_admin)
    client.post(change_url(c3), rule_data(c3, min_count=2, revision_from=next_period_start().isoformat()))
    future = Rule.objects.get(previous=c3)
    count = Rule.objects.count()

    edited = client.post(
        change_url(future), rule_data(future, min_count=4, effective_from=next_period_start().isoformat())
    )
    history_page = client.get(change_url(c3))
    history_post = client.post(change_url(c3), rule_data(c3, min_count=9, revision_from=this_period().start))

    assert edited.status_code == 302 and Rule.objects.count() == count
    future.refresh_from_db()
    assert future.min_count == 4
    assert history_page.status_code == 200
    assert 'name="min_count"' not in history_page.text
    assert 'name="revision_from"' not in history_page.text
    assert history_post.status_code == 403
    c3.refresh_from_db()
    assert c3.min_count == 1


def test_deleting_a_version_not_in_force_gives_the_previous_one_its_end_back(client, city_admin, c3):
    client.force_login(city_admin)
    client.post(change_url(c3), rule_data(c3, min_count=2, revision_from=next_period_start().isoformat()))
    future = Rule.objects.get(previous=c3)

    in_force = client.post(reverse("admin:reviews_rule_delete", args=[Rule.objects.get(code="C5").pk]), {"post": "yes"})
    response = client.post(reverse("admin:reviews_rule_delete", args=[future.pk]), {"post": "yes"})

    assert in_force.status_code == 403
    assert response.status_code == 302
    assert not Rule.objects.filter(pk=future.pk).exists()
    c3.refresh_from_db()
    assert c3.effective_to is None


# Bad rules: clear messages, nothing saved -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min_count": 0}, "最少次数至少为1；不需要检查的规则请设置失效日期。"),
        ({"scope": "group", "period": "year"}, "党小组的规则按月或按季度检查。"),
        ({"scope": "committee", "period": "month"}, "领导班子的规则按年检查。"),
        ({"kinds": []}, "请至少选择一种有效的会议类型。"),
        (
            {"period": "year", "window_start_month": 6, "window_start_day": 15},
            "时间窗须填写完整的开始和结束日期。",
        ),
        (
            {
                "period": "year",
                "window_start_month": 7,
                "window_start_day": 15,
                "window_end_month": 6,
                "window_end_day": 15,
            },
            "时间窗结束日期应晚于开始日期。",
        ),
        (
            {
                "period": "year",
                "window_start_month": 2,
                "window_start_day": 30,
                "window_end_month": 3,
                "window_end_day": 1,
            },
            "时间窗日期无效。",
        ),
        (
            {"window_start_month": 6, "window_start_day": 15, "window_end_month": 7, "window_end_day": 15},
            "设置了时间窗的规则须按年检查。",
        ),
        ({"effective_from": "2020-01-01"}, "新规则不改写已经结束的周期"),
    ],
)
def test_a_bad_rule_is_refused_with_a_clear_message(client, city_admin, changes, message):
    client.force_login(city_admin)
    count = Rule.objects.count()

    response = client.post(reverse("admin:reviews_rule_add"), rule_data(None, **changes))

    assert response.status_code == 200
    assert message in response.text
    assert "每月开展一次志愿服务" in response.text
    assert Rule.objects.count() == count


def test_a_new_rule_is_saved_and_the_results_recomputed(client, city_admin, django_capture_on_commit_callbacks):
    client.force_login(city_admin)
    form = client.get(reverse("admin:reviews_rule_add"))

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("admin:reviews_rule_add"), rule_data(None))

    assert form.status_code == 200 and 'name="revision_from"' not in form.text and 'name="effective_from"' in form.text
    assert response.status_code == 302
    rule = Rule.objects.get(code="X1")
    assert (rule.kinds, rule.effective_from, rule.previous) == (["volunteer_service"], this_period().start, None)
    job = Job.objects.get(kind=COMPLIANCE_RECOMPUTE)
    assert f'规则已保存，合规结果正在重新计算：<a href="{job.get_absolute_url()}">查看进度</a>' in messages_of(response)
    assert len(callbacks) == 1
    assert job.state == JobState.QUEUED  # sent when the admin's transaction commits


# Who may change which rules -------------------------------------------------------------------------------------


def test_a_district_administrator_sees_city_rules_but_changes_only_the_districts_own(
    client, district_admin, district, other_district, c3
):
    theirs = RuleSet.objects.create(name="西城区补充规定", code="xicheng", organization=other_district)
    client.force_login(district_admin)

    sets = client.get(reverse("admin:reviews_ruleset_changelist"))
    city_post = client.post(change_url(c3), rule_data(c3, min_count=2, revision_from=this_period().start))
    no_scope = client.post(
        reverse("admin:reviews_ruleset_add"), {"name": "东城区补充规定", "code": "dongcheng", "is_active": "on"}
    )
    own = client.post(
        reverse("admin:reviews_ruleset_add"),
        {"name": "东城区补充规定", "code": "dongcheng", "organization": district.pk, "is_active": "on"},
    )
    others = client.get(reverse("admin:reviews_ruleset_change", args=[theirs.pk]))

    names = {rule_set.name for rule_set in sets.context["cl"].result_list}
    assert "西城区补充规定" not in names and {"全国性规定"} <= names
    assert city_post.status_code == 403
    assert not Rule.objects.filter(previous=c3).exists()
    assert "只有市级系统管理员可以设置全市适用的规则集" in no_scope.text
    assert own.status_code == 302 and RuleSet.objects.get(code="dongcheng").organization == district
    assert others.status_code == 404  # outside the scope: not found


def test_a_rule_set_in_force_keeps_its_scope_and_stays_active(client, city_admin, district):
    rule_set = RuleSet.objects.get(code="beijing-2017")
    client.force_login(city_admin)

    response = client.post(
        reverse("admin:reviews_ruleset_change", args=[rule_set.pk]),
        {
            "name": "北京市实施方案（2017）",
            "code": rule_set.code,
            "source": rule_set.source,
            "organization": district.pk,
        },
    )

    assert response.status_code == 302
    rule_set.refresh_from_db()
    assert (rule_set.name, rule_set.organization, rule_set.is_active) == ("北京市实施方案（2017）", None, True)
    assert any(message.startswith("规则已保存，合规结果正在重新计算") for message in messages_of(response))


def test_a_second_save_while_the_recompute_is_live_gets_the_same_job(client, city_admin, district_admin, c3):
    """One job per year: a change saved while it is queued or running joins it (a running recompute compares
    the rules before it commits and starts over when they changed)."""
    client.force_login(city_admin)
    client.post(change_url(c3), rule_data(c3, effective_to=f"{timezone.localdate().year}-12-31"))
    job = Job.objects.get(kind=COMPLIANCE_RECOMPUTE)  # on_commit callbacks not run: the job stays queued
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING)

    response = client.post(reverse("admin:reviews_rule_add"), rule_data(None))
    assert response.status_code == 302
    assert Job.objects.filter(kind=COMPLIANCE_RECOMPUTE).count() == 1
    assert f'<a href="{job.get_absolute_url()}">查看进度</a>' in "".join(messages_of(response))

    # Another administrator's save joins it too, but is not linked to a page that would answer 404.
    client.force_login(district_admin)
    rule_set = RuleSet.objects.create(
        name="东城区补充规则", code="DC", organization_id=district_admin.roles.get().organization_id
    )
    response = client.post(
        reverse("admin:reviews_ruleset_change", args=[rule_set.pk]),
        {
            "name": "东城区补充规则（修订）",
            "code": "DC",
            "source": "",
            "is_active": "on",
            "organization": rule_set.organization_id,
        },
    )
    assert response.status_code == 302
    assert Job.objects.filter(kind=COMPLIANCE_RECOMPUTE).count() == 1
    assert "由其他管理员发起的重新计算会包含本次修改" in "".join(messages_of(response))


def test_the_recompute_job_starts_over_when_the_rules_change_while_it_runs(c3, monkeypatch):
    """The behaviour the job relies on for a save during a run: the running recompute throws its work away and
    runs again with the rules as they are at the end."""
    from reviews.compliance import services as compliance

    calls = {"n": 0}
    real = compliance.rules_fingerprint

    def fingerprint():
        calls["n"] += 1
        # From the run's check on, the rules differ from those it started with: an administrator saved a change.
        return real() if calls["n"] == 1 else "changed"

    monkeypatch.setattr(compliance, "rules_fingerprint", fingerprint)
    job = compliance_recompute_start(year=timezone.localdate().year)
    Job.objects.filter(pk=job.pk).update(state=JobState.QUEUED)
    from portal.jobs.services import job_run

    assert job_run(job_id=job.pk) == "done"
    assert calls["n"] == 4  # start and check: once for the discarded run and once for the run that counts


# Results and flags: read-only and scoped ------------------------------------------------------------------------


def test_results_and_flags_are_read_only_and_scoped(client, district_admin, branch, other_branch):
    mine = MemberFlag.objects.create(
        member=MemberFactory(organization=branch, name="本区党员"),
        organization=branch,
        level=FlagLevel.FLAG_6,
        months=6,
        computed_on=datetime.date(2025, 7, 1),
    )
    MemberFlag.objects.create(
        member=MemberFactory(organization=other_branch, name="西城党员"),
        organization=other_branch,
        level=FlagLevel.WARN_3,
        months=3,
        computed_on=datetime.date(2025, 7, 1),
    )
    client.force_login(district_admin)

    flags = client.get(reverse("admin:reviews_memberflag_changelist"))
    change = client.post(reverse("admin:reviews_memberflag_change", args=[mine.pk]), {"months": 1})

    assert [f.member.name for f in flags.context["cl"].result_list] == ["本区党员"]
    assert change.status_code == 403
    assert client.get(reverse("admin:reviews_memberflag_add")).status_code == 403
    assert client.get(reverse("admin:reviews_complianceresult_changelist")).status_code == 200
    assert client.get(reverse("admin:reviews_compliancerollup_changelist")).status_code == 200
    mine.refresh_from_db()
    assert mine.months == 6


def test_the_rule_list_costs_the_same_queries_for_few_and_many_rules(client, city_admin, c3):
    client.force_login(city_admin)
    url = reverse("admin:reviews_rule_changelist")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    client.post(change_url(c3), rule_data(c3, min_count=2, revision_from=next_period_start().isoformat()))
    rule_set = RuleSet.objects.get(code="national")
    for i in range(10):
        Rule.objects.create(
            rule_set=rule_set,
            code=f"Z{i}",
            title="测试规则",
            source="测试",
            scope="branch",
            period="month",
            kinds=["theme_day"],
            missing_text="未开展",
            effective_from=next_period_start(),
        )

    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert response.status_code == 200 and "历史版本" in response.text and "未生效" in response.text
    assert len(many) == len(few) <= 12
