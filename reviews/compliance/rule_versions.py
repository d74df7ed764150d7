"""Writes for the administrators' rules: a rule change never rewrites the past.

A rule that has come into force is never edited in place: a change creates the rule's next version, in force from
a date inside the current period or later, and the old version ends the day before — so the results of periods
already judged keep the rule they were judged by. A rule not yet in force is edited in place. Every change is
followed by a recompute of the current year's results and roll-ups: a background job per year (portal/jobs),
sent after commit. A change saved while that year's job is queued or running gets the same job: one queued has
not read the rules yet, and one running compares the rules' fingerprint before it commits and starts over if
they changed (reviews.compliance.services.compliance_recompute).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import User
from portal.jobs.models import Job, job_params_key
from portal.jobs.progress import ProgressReporter
from portal.jobs.registry import JobOutcome
from portal.jobs.services import job_start
from reviews.compliance.rules import period_containing
from reviews.models import Rule, RuleSet

ONE_DAY = datetime.timedelta(days=1)

# What a version of a rule says (everything but its set, its dates and its place in the chain of versions).
CONTENT_FIELDS = (
    "code",
    "title",
    "source",
    "scope",
    "categories",
    "period",
    "kinds",
    "min_count",
    "condition",
    "window_start_month",
    "window_start_day",
    "window_end_month",
    "window_end_day",
    "missing_text",
    "title_en",
    "source_en",
    "missing_text_en",
)


class RuleState:
    FUTURE = "future"  # not in force yet: edited in place
    IN_FORCE = "in_force"  # a change creates the next version
    HISTORY = "history"  # ended, or followed by a newer version: read-only


def rule_state(rule: Rule, today: datetime.date) -> str:
    """Whether the rule is history, in force or not in force yet. One query for a saved rule (whether a newer
    version follows it), none when the queryset annotated `has_next`."""
    has_next = getattr(rule, "has_next", None)
    if has_next is None:
        has_next = bool(rule.pk) and Rule.objects.filter(previous_id=rule.pk).exists()
    if has_next:
        return RuleState.HISTORY
    if rule.effective_to is not None and rule.effective_to < today:
        return RuleState.HISTORY
    if rule.effective_from > today:
        return RuleState.FUTURE
    return RuleState.IN_FORCE


def current_period_start(period_kind: str, today: datetime.date) -> datetime.date:
    """The first day of the period (month, quarter, year) containing today: the earliest day a change may apply
    from — periods that have ended keep their rules."""
    return period_containing(period_kind, today).start


def revision_default_date(rule: Rule, today: datetime.date) -> datetime.date:
    """When a new version starts unless the administrator chooses: the start of the current period, or of the next
    one when the rule itself only started in the current period."""
    start = current_period_start(rule.period, today)
    if start <= rule.effective_from:
        start = period_containing(rule.period, period_containing(rule.period, today).end + ONE_DAY).start
    return start


def revision_date_errors(*, rule: Rule, effective_from: datetime.date | None, today: datetime.date) -> list[str]:
    """What is wrong with the date a new version of an in-force rule should start from."""
    if effective_from is None:
        return [_("请填写新版本的生效日期。")]
    errors = []
    earliest = current_period_start(rule.period, today)
    if effective_from < earliest:
        errors.append(
            _("生效日期不能早于本周期的第一天（%(date)s）：规则变更不改写已经结束的周期。")
            % {"date": earliest.isoformat()}
        )
    if effective_from <= rule.effective_from:
        errors.append(_("生效日期须晚于当前版本的生效日期（%(date)s）。") % {"date": rule.effective_from.isoformat()})
    if rule.effective_to is not None and effective_from > rule.effective_to + ONE_DAY:
        errors.append(_("当前版本已于%(date)s失效，新版本须在此之前生效。") % {"date": rule.effective_to.isoformat()})
    return errors


def start_date_errors(
    *, effective_from: datetime.date | None, period: str, previous_from: datetime.date | None, today: datetime.date
) -> list[str]:
    """What is wrong with the start date of a new rule or of a rule not yet in force (`previous_from`: when the
    version it follows started, if it follows one)."""
    if effective_from is None or not period:
        return []
    errors = []
    earliest = current_period_start(period, today)
    if effective_from < earliest:
        errors.append(
            _("生效日期不能早于本周期的第一天（%(date)s）：新规则不改写已经结束的周期。")
            % {"date": earliest.isoformat()}
        )
    if previous_from is not None and effective_from <= previous_from:
        errors.append(_("生效日期须晚于上一版本的生效日期（%(date)s）。") % {"date": previous_from.isoformat()})
    return errors


def end_date_errors(
    *,
    effective_from: datetime.date | None,
    effective_to: datetime.date | None,
    period: str,
    today: datetime.date,
) -> list[str]:
    """A rule may be given an end date, but not one that ends it before the current period."""
    if effective_to is None or not period:
        return []
    earliest = current_period_start(period, today) - ONE_DAY
    if effective_to < earliest:
        return [_("失效日期不能早于%(date)s：规则在已经结束的周期里仍然有效。") % {"date": earliest.isoformat()}]
    if effective_from is not None and effective_to < effective_from:
        return [_("失效日期不能早于生效日期。")]
    return []


def same_content(name: str, a: Any, b: Any) -> bool:
    """Whether two values of a content field say the same (the lists of kinds and categories in any order)."""
    if name in ("kinds", "categories"):
        return sorted(a or []) == sorted(b or [])
    return a == b


COMPLIANCE_RECOMPUTE = "reviews.compliance_recompute"
COMPLIANCE_RECOMPUTE_TITLE = gettext_lazy("按现行规则重新计算合规结果")
# The recompute reports only its start and end (it is one transaction); allow for a whole year of a large tree.
COMPLIANCE_RECOMPUTE_SOFT_TIME_LIMIT = 25 * 60
COMPLIANCE_RECOMPUTE_STALE_AFTER = datetime.timedelta(minutes=30)


def compliance_recompute_start(*, year: int, by: User | None = None) -> Job:
    """Queue the recompute of `year` (sent after commit), or return the one already queued or running."""
    return job_start(kind=COMPLIANCE_RECOMPUTE, owner=by, organization=None, params={"year": year})


def compliance_recompute_job_live(*, year: int) -> Job | None:
    """The queued or running recompute of `year`, if any (the admin links to it)."""
    key = job_params_key(kind=COMPLIANCE_RECOMPUTE, organization_id=None, params={"year": year})
    return Job.objects.filter(kind=COMPLIANCE_RECOMPUTE, params_key=key, state__in=Job.LIVE).first()


def compliance_recompute_run(job: Job, progress: ProgressReporter) -> JobOutcome:
    """Runner of `reviews.compliance_recompute`: all or nothing (one transaction), so safe to run again."""
    from reviews.compliance.services import compliance_recompute

    year = int(job.params["year"])
    progress(0, 1, _("重新计算中"))
    total = compliance_recompute(year=year)
    progress(1, 1)
    return JobOutcome(
        message=_("已按现行规则重新计算%(year)d年的合规结果，共%(n)d条。") % {"year": year, "n": total},
        result={"year": year, "results": total},
    )


def rules_changed(*, today: datetime.date | None = None, by: User | None = None) -> Job:
    """Rebuild the current year's results and roll-ups with the rules as they are now: a job started by `by`,
    sent after commit (or the year's job already queued or running, which will see this change)."""
    today = today or timezone.localdate()
    return compliance_recompute_start(year=today.year, by=by)


@transaction.atomic
def rule_revise(
    *,
    rule: Rule,
    changes: Mapping[str, Any],
    effective_from: datetime.date,
    today: datetime.date | None = None,
    by: User | None = None,
) -> Rule:
    """Change a rule in force: the stored row keeps what it says and ends the day before `effective_from`; a new
    row (previous = the old one) says what changed from `effective_from` on. `changes` may also set the new
    version's `effective_to`. Returns the new version. `by`: who starts the recompute job (sees its page)."""
    today = today or timezone.localdate()
    old = Rule.objects.select_for_update().get(pk=rule.pk)
    state = rule_state(old, today)
    if state != RuleState.IN_FORCE:
        raise ValidationError(_("只有正在生效的规则才需要新建版本；未生效的规则可直接修改，历史版本不能修改。"))
    unknown = set(changes) - set(CONTENT_FIELDS) - {"effective_to"}
    if unknown:
        raise TypeError(f"not rule content: {sorted(unknown)}")
    errors = revision_date_errors(rule=old, effective_from=effective_from, today=today)
    if errors:
        raise ValidationError({"effective_from": errors})
    new = Rule(
        rule_set_id=old.rule_set_id,
        previous=old,
        effective_from=effective_from,
        effective_to=old.effective_to,
        **{name: getattr(old, name) for name in CONTENT_FIELDS},
    )
    for name, value in changes.items():
        setattr(new, name, value)
    errors = end_date_errors(
        effective_from=new.effective_from, effective_to=new.effective_to, period=new.period, today=today
    )
    if errors:
        raise ValidationError({"effective_to": errors})
    new.full_clean()
    old.effective_to = effective_from - ONE_DAY
    old.save(update_fields=["effective_to", "updated_at"])
    new.save()
    rules_changed(today=today, by=by)
    return new


@transaction.atomic
def rule_save(*, rule: Rule, today: datetime.date | None = None, by: User | None = None) -> Rule:
    """Create a rule, or save a rule not yet in force (or only the end date of one in force), in place.

    A version that follows another moves the other's end to the day before it starts."""
    today = today or timezone.localdate()
    if rule.pk:
        stored = Rule.objects.select_for_update().get(pk=rule.pk)
        state = rule_state(stored, today)
        if state == RuleState.HISTORY:
            raise ValidationError(_("这是规则的历史版本，不能修改。"))
        if state == RuleState.IN_FORCE:
            changed = [
                name
                for name in (*CONTENT_FIELDS, "effective_from")
                if not same_content(name, getattr(rule, name), getattr(stored, name))
            ]
            if changed:
                raise ValidationError(_("规则已经生效，修改须新建版本（选择新版本的生效日期）。"))
    else:
        state = RuleState.FUTURE
    errors = {}
    if state == RuleState.FUTURE:
        start_errors = start_date_errors(
            effective_from=rule.effective_from,
            period=rule.period,
            previous_from=rule.previous.effective_from if rule.previous_id else None,
            today=today,
        )
        if start_errors:
            errors["effective_from"] = start_errors
    end_errors = end_date_errors(
        effective_from=rule.effective_from, effective_to=rule.effective_to, period=rule.period, today=today
    )
    if end_errors:
        errors["effective_to"] = end_errors
    if errors:
        raise ValidationError(errors)
    rule.full_clean()
    rule.save()
    if rule.previous_id:
        Rule.objects.filter(pk=rule.previous_id).update(
            effective_to=rule.effective_from - ONE_DAY, updated_at=timezone.now()
        )
    rules_changed(today=today, by=by)
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule, today: datetime.date | None = None, by: User | None = None) -> None:
    """Delete a rule not yet in force (nothing was judged by it); the version before it gets its end back."""
    today = today or timezone.localdate()
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    if rule_state(rule, today) != RuleState.FUTURE:
        raise ValidationError(_("已经生效的规则不能删除；不再检查的规则请设置失效日期。"))
    previous_id, effective_to = rule.previous_id, rule.effective_to
    rule.delete()
    if previous_id:
        Rule.objects.filter(pk=previous_id).update(effective_to=effective_to, updated_at=timezone.now())
    rules_changed(today=today, by=by)


@transaction.atomic
def rule_set_save(*, rule_set: RuleSet, today: datetime.date | None = None, by: User | None = None) -> RuleSet:
    """Create or change a rule set; the results are recomputed after commit (its rules may apply elsewhere now)."""
    rule_set.full_clean()
    rule_set.save()
    rules_changed(today=today, by=by)
    return rule_set


def rule_set_in_force(rule_set: RuleSet, today: datetime.date) -> bool:
    """Whether any rule of the set has come into force (then its scope and its being active are fixed)."""
    return rule_set.pk is not None and rule_set.rules.filter(effective_from__lte=today).exists()
