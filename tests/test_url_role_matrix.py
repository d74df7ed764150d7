"""The URL × role matrix: every URL pattern of the root URLconf (the admin's included), for every role of one
subtree, with the ids of another subtree's objects in the path, the query string and the POST body.

Two disjoint subtrees under one 市委: 东城 (district → committee → branch: the roles) and the 外区 (a district and
its branch: one object of every kind that has a URL taking an id). Every foreign object carries the marker
`外区泄漏检查` (or the code `LEAKXC`) in its name, so a page that shows one is caught by a plain text search.

One file on purpose, past the usual 700 lines: the table of every URL, the scenario that fills it and the
verdicts belong together, so that a new URL is covered by adding one line here (the test fails until it is).

The verdicts:
- never a 5xx, never a 400 (a DisallowedHost or a broken form would make "nothing written" vacuous);
- a foreign object in the path answers 404 (405 where the method is not allowed; anonymous users are sent to
  log in), never 403, never 200;
- nothing is written by a request that names a foreign object in its path, and no request writes a row of the
  foreign subtree or a row that points into it;
- a page without an id (lists, dashboards, search, exports, the admin's lists and add forms) never shows a
  foreign object, with or without foreign ids in its query string; xlsx exports are read cell by cell.

The scenario is built once for the module (inside a transaction rolled back at the end); the requests run in
loops and every failure is collected, so one run lists them all.
"""

import datetime
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace

import openpyxl
import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from PIL import Image

from activities.attachments import services as attachments_services
from activities.attachments.services import AttachmentUpload
from activities.dues import selectors as dues_selectors
from activities.dues import services as dues_services
from activities.meetings import services as meeting_services
from activities.models import MeetingKind, PioneerPostKind
from activities.signin import services as signin_services
from activities.talks import services as talk_services
from branches.models import Organization, OrganizationKind, RoleKind, User
from branches.terms import services as term_services
from notifications.models import Notification
from portal.jobs.models import Job
from reviews.duty_reports import services as duty_services
from reviews.duty_reports.models import DutyAssessment
from reviews.evaluations import services as evaluation_services
from reviews.evaluations.models import ApprovalStatus, EvaluationProblem, Grade, GradeProposal, OpinionSource
from reviews.models import FlagLevel, MemberFlag, Rule, RuleSet, YearlyReportFile
from reviews.oversight import services as oversight_services
from reviews.oversight.models import FindingResult, InspectionKind, ProblemSource
from reviews.ratings import services as rating_services
from reviews.ratings.models import BranchRating, RatingRubric
from reviews.weak_branches import services as weak_services
from reviews.weak_branches.models import WeakSuggestion
from study.learning import services as learning_services
from study.materials import services as material_services
from study.models import Audience, StudyForm
from study.plans import services as plan_services
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, OrganizationFactory, PartyGroupFactory, UserFactory, give_role
from tests.study.member_tasks import make_task

MARK = "外区泄漏检查"
CODE_MARK = "LEAKXC"
PORTAL_APPS = ("branches", "study", "activities", "reviews", "notifications", "portal")
ROLES = ("anonymous", "member", "secretary", "committee_officer", "district_officer", "district_administrator")
LOGIN_PREFIXES = ("/accounts/login/", "/admin/login/")
# Per-request bookkeeping that any logged-in request may touch; not data of either subtree.
BOOKKEEPING_TABLES = {"django_session"}


# The scenario ---------------------------------------------------------------------------------------------------


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (183, 28, 28)).save(buffer, format="PNG")
    return buffer.getvalue()


def _held_meeting(organization, user, *, topic: str, days_ago: int = 3):
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    meeting = meeting_services.meeting_create(
        organization=organization,
        created_by=user,
        kind=MeetingKind.PARTY_LECTURE,
        topic=topic,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    return meeting_services.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=user)


def _staff_with_every_permission(user: User) -> User:
    """Staff with every permission of the portal's apps, so that the scope (not a missing permission) refuses."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=PORTAL_APPS))
    return User.objects.get(pk=user.pk)


def build_scenario() -> SimpleNamespace:
    today = timezone.localdate()
    city = OrganizationFactory(name="矩阵市委", code="MX", kind=OrganizationKind.MUNICIPAL_COMMITTEE)
    district = OrganizationFactory(
        name="矩阵东城区委", code="MX-DC", kind=OrganizationKind.DISTRICT_COMMITTEE, parent=city
    )
    committee = OrganizationFactory(
        name="矩阵东城教育党委", code="MX-DC-EDU", kind=OrganizationKind.PRIMARY_COMMITTEE, parent=district
    )
    branch = OrganizationFactory(name="矩阵东城第一支部", code="MX-DC-EDU-01", parent=committee)

    # The roles of the near subtree.
    secretary = UserFactory(username="mx_secretary", first_name="王书记")
    give_role(secretary, branch, RoleKind.SECRETARY)
    own_secretary_member = MemberFactory(organization=branch, name="王书记", user=secretary)
    member_user = UserFactory(username="mx_member", first_name="李党员")
    own_member = MemberFactory(organization=branch, name="李党员", user=member_user)
    committee_officer = UserFactory(username="mx_edu_officer", first_name="教育干事")
    give_role(committee_officer, committee, RoleKind.OFFICER)
    district_officer = UserFactory(username="mx_dc_officer", first_name="区干事")
    give_role(district_officer, district, RoleKind.OFFICER)
    district_administrator = UserFactory(username="mx_dc_admin", first_name="区管理员")
    give_role(district_administrator, district, RoleKind.ADMINISTRATOR)
    users = {
        "member": member_user,
        "secretary": secretary,
        "committee_officer": committee_officer,
        "district_officer": district_officer,
        "district_administrator": district_administrator,
    }
    for user in users.values():
        enrol_totp(user)
    users = {name: _staff_with_every_permission(user) for name, user in users.items()}
    own_group = PartyGroupFactory(organization=branch, name="矩阵东城第一党小组")
    own_flag = MemberFlag.objects.create(
        member=own_member, organization=branch, level=FlagLevel.WARN_3, months=3, computed_on=today
    )

    # The foreign subtree: one object of every kind that has a URL taking an id.
    far_district = OrganizationFactory(
        name=f"{MARK}区委", code=f"{CODE_MARK}-D", kind=OrganizationKind.DISTRICT_COMMITTEE, parent=city
    )
    far_branch = OrganizationFactory(name=f"{MARK}第一支部", code=f"{CODE_MARK}-01", parent=far_district)
    far_secretary = UserFactory(username="leakxc_secretary", first_name=f"{MARK}书记", email="leakxc@example.org")
    give_role(far_secretary, far_branch, RoleKind.SECRETARY)
    enrol_totp(far_secretary)
    EmailAddress.objects.create(user=far_secretary, email=far_secretary.email, verified=True, primary=True)
    far_secretary_member = MemberFactory(
        organization=far_branch, name=f"{MARK}书记", user=far_secretary, is_leading_cadre=True
    )
    far_member = MemberFactory(organization=far_branch, name=f"{MARK}党员")
    far_group = PartyGroupFactory(organization=far_branch, name=f"{MARK}党小组", leader=far_member)
    far_meeting = _held_meeting(far_branch, far_secretary, topic=f"{MARK}党课")
    far_attachment = attachments_services.attachment_add(
        meeting=far_meeting,
        version=far_meeting.version,
        uploads=[AttachmentUpload(SimpleUploadedFile(f"{MARK}.png", png()), f"{MARK}.png", "image/png")],
        uploaded_by=far_secretary,
    )[0]
    far_talk = talk_services.heart_talk_record(
        organization=far_branch,
        initiator=far_secretary_member,
        counterpart=far_member,
        held_on=today - datetime.timedelta(days=1),
        summary=f"{MARK}谈话要点",
        recorded_by=far_secretary,
    )
    far_commitment = talk_services.commitment_pledge(member=far_member, post=f"{MARK}岗位", pledge=f"{MARK}承诺")
    far_post = talk_services.pioneer_post_assign(
        member=far_member, kind=PioneerPostKind.choices[0][0], title=f"{MARK}先锋岗", started_on=today
    )
    far_plan = plan_services.plan_create(
        organization=far_branch, year=today.year, title=f"{MARK}学习计划", created_by=far_secretary
    )
    far_plan_item = plan_services.plan_item_save(
        plan=far_plan,
        month=today.month,
        topic=f"{MARK}学习条目",
        form=StudyForm.COLLECTIVE,
        audience=Audience.ALL,
        due_date=datetime.date(today.year, today.month, 28),
        hours=2,
    )
    far_template = plan_services.plan_create(
        organization=far_district, year=today.year, title=f"{MARK}模板", created_by=far_secretary, is_template=True
    )
    plan_services.plan_item_save(
        plan=far_template,
        month=today.month,
        topic=f"{MARK}模板条目",
        form=StudyForm.COLLECTIVE,
        audience=Audience.ALL,
        due_date=datetime.date(today.year, today.month, 28),
        hours=2,
    )
    plan_services.template_publish(plan=far_template, published_by=far_secretary)
    far_material = material_services.material_publish(
        organization=far_district,
        published_by=far_secretary,
        title=f"{MARK}学习资料",
        category="constitution",
        body=f"{MARK}资料正文",
        attachment=SimpleUploadedFile(f"{MARK}.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    far_task = make_task(far_member, due=today, topic=f"{MARK}学习任务")
    far_cadre_item = learning_services.cadre_item_save(
        member=far_secretary_member, year=today.year, title=f"{MARK}自学内容", target_month=today.month
    )
    far_flag = MemberFlag.objects.create(
        member=far_member, organization=far_branch, level=FlagLevel.FLAG_6, months=6, computed_on=today
    )
    far_job = Job.objects.create(
        kind="branches.roster_import",
        owner=far_secretary,
        organization=far_branch,
        params={"sha256": CODE_MARK},
        params_key=CODE_MARK,
        message=f"{MARK}任务",
        state="succeeded",
    )
    far_notification = Notification.objects.create(recipient=far_secretary, title=f"{MARK}提醒")
    far_campaign = evaluation_services.campaign_open(
        organization=far_branch,
        year=today.year,
        schedule=evaluation_services.default_schedule(year=today.year),
        opened_by=far_secretary,
    )
    far_proposal = GradeProposal.objects.create(
        campaign=far_campaign,
        member=far_member,
        grade=Grade.UNQUALIFIED,
        reason=f"{MARK}评定理由，长于十个字。",
        proposed_by=far_secretary,
        status=ApprovalStatus.PENDING,
    )
    far_problem = EvaluationProblem.objects.create(
        campaign=far_campaign,
        source=OpinionSource.SELF_CHECK,
        description=f"{MARK}查找的问题",
        responsible=MARK,
        measures=f"{MARK}整改措施",
        deadline=today,
        entered_by=far_secretary,
    )
    far_report = YearlyReportFile.objects.create(
        organization=far_district,
        year=today.year,
        version=1,
        as_of=timezone.now(),
        rules_fingerprint=CODE_MARK,
        data_fingerprint=CODE_MARK,
        pdf=ContentFile(b"%PDF-1.4 " + MARK.encode(), name="leak.pdf"),
        xlsx=ContentFile(MARK.encode(), name="leak.xlsx"),
    )
    far_duty_round = duty_services.duty_round_open(
        committee=far_district, year=today.year, due_on=today, opened_by=far_secretary
    )
    far_duty_report = duty_services.duty_report_save(
        report=far_duty_round.reports.get(),
        author=far_secretary,
        performance=f"{MARK}履职情况",
        problems=f"{MARK}存在问题",
        plans=f"{MARK}下一步打算",
        submit=True,
    )
    DutyAssessment.objects.create(report=far_duty_report, assessor=far_secretary, grade="good", comment=MARK)
    dues_services.dues_base_set(
        member=far_member, category="in_service", income=4000, applies_from=today, recorded_by=far_secretary
    )
    dues_services.dues_collection_save(
        sheet=dues_selectors.collection_sheet(organization=far_branch, month=today.replace(day=1)),
        entries={},
        method="cash",
        paid_on=today,
        recorded_by=far_secretary,
    )
    far_dues_payment = far_member.dues_payments.get()
    far_rule_set = RuleSet.objects.create(name=f"{MARK}补充规定", code="leakxc-extra", organization=far_district)
    far_inspection = oversight_services.inspection_plan(
        organization=far_district,
        plan=oversight_services.InspectionPlan(
            kind=InspectionKind.RANDOM,
            period_start=today.replace(month=1, day=1),
            period_end=today,
            inspectors=f"{MARK}检查组",
            free_items=(f"{MARK}检查事项",),
            sample_size=1,
        ),
        created_by=far_secretary,
    )
    far_inspection_branch = far_inspection.branches.get()
    far_finding = oversight_services.findings_record(
        inspection_branch=far_inspection_branch,
        entries=[oversight_services.FindingEntry("item:1", f"{MARK}检查事项", FindingResult.PROBLEM, f"{MARK}问题")],
        recorded_by=far_secretary,
    )[0]
    far_ledger_problem = oversight_services.problem_register(
        organization=far_branch,
        member=far_member,
        source=ProblemSource.SELF_CHECK,
        description=f"{MARK}整改问题",
        responsible=f"{MARK}责任人",
        deadline=today,
        created_by=far_secretary,
    )
    far_evidence = oversight_services.finding_evidence_add(
        finding=far_finding,
        uploads=[AttachmentUpload(SimpleUploadedFile(f"{MARK}.png", png()), f"{MARK}.png", "image/png")],
        uploaded_by=far_secretary,
    )[0]
    far_rubric = RatingRubric.objects.create(
        name=f"{MARK}星级评定标准",
        organization=far_district,
        source=f"{MARK}依据",
        effective_from=today.replace(month=1, day=1),
        items={"compliance": 100},
        thresholds=[0, 20, 40, 60, 80],
    )
    rating_services.ratings_propose(organization=far_district, year=today.year, today=today, progress=None)
    far_rating = BranchRating.objects.get(organization=far_branch, year=today.year)
    far_weak_suggestion = WeakSuggestion.objects.create(
        branch=far_branch, month=today.replace(day=1), reasons=[{"code": "term_overdue", "ended": "2026-01-01"}]
    )
    weak_services.weak_branch_confirm(suggestion=far_weak_suggestion, by=far_secretary, reason=f"{MARK}认定")
    far_rectification = weak_services.rectification_plan_create(
        branch=far_branch,
        responsible=far_secretary,
        goal=f"{MARK}整顿目标",
        by=far_secretary,
        measures=[(f"{MARK}整顿措施", today)],
    )
    far_pending_suggestion = WeakSuggestion.objects.create(
        branch=far_branch,
        month=today.replace(day=1) - datetime.timedelta(days=1),
        reasons=[{"code": "problems_overdue", "count": 1}],
    )
    far_interview = oversight_services.interview_record(
        organization=far_branch,
        committee=far_district,
        interviewers=f"{MARK}约谈人",
        interviewee=far_secretary_member,
        held_on=today,
        subject=f"{MARK}约谈事由",
        outcome=f"{MARK}约谈结果",
        problems=[far_ledger_problem],
        recorded_by=far_secretary,
    )
    far_term = term_services.committee_election_record(
        organization=far_branch,
        elected_on=today,
        seats=[term_services.Seat(member=far_secretary_member, kind=RoleKind.SECRETARY)],
        recorded_by=far_secretary,
        note=f"{MARK}换届",
    )
    rule = Rule.objects.order_by("pk").first()

    foreign = SimpleNamespace(
        district=far_district,
        branch=far_branch,
        user=far_secretary,
        member=far_member,
        cadre=far_secretary_member,
        group=far_group,
        meeting=far_meeting,
        attachment=far_attachment,
        talk=far_talk,
        commitment=far_commitment,
        post=far_post,
        plan=far_plan,
        plan_item=far_plan_item,
        template=far_template,
        material=far_material,
        task=far_task,
        cadre_item=far_cadre_item,
        flag=far_flag,
        job=far_job,
        notification=far_notification,
        report=far_report,
        campaign=far_campaign,
        proposal=far_proposal,
        problem=far_problem,
        duty_round=far_duty_round,
        duty_report=far_duty_report,
        rule_set=far_rule_set,
        dues_payment=far_dues_payment,
        inspection=far_inspection,
        inspection_branch=far_inspection_branch,
        finding=far_finding,
        evidence=far_evidence,
        ledger_problem=far_ledger_problem,
        rubric=far_rubric,
        rating=far_rating,
        weak_suggestion=far_pending_suggestion,
        rectification=far_rectification,
        interview=far_interview,
        term=far_term,
        rule_code=rule.code if rule else "M1",
        sign_in_token=signin_services.sign_in_token(far_meeting),
    )
    own = SimpleNamespace(
        district=district,
        committee=committee,
        branch=branch,
        member=own_member,
        secretary_member=own_secretary_member,
        group=own_group,
        flag=own_flag,
    )
    return SimpleNamespace(users=users, foreign=foreign, own=own, foreign_rows=foreign_rows(far_district))


# Which rows belong to the foreign subtree ------------------------------------------------------------------------


def all_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.db_table not in BOOKKEEPING_TABLES
    ]


def _foreign_keys(model) -> list[models.ForeignKey]:
    return [field for field in model._meta.concrete_fields if isinstance(field, models.ForeignKey)]


def foreign_rows(far_district: Organization) -> dict[type[models.Model], set]:
    """Every row of the foreign subtree: its organisations, their users, and (to a fixed point) every row that
    points at one of them."""
    rows: dict[type[models.Model], set] = {model: set() for model in all_models()}
    rows[Organization] = set(
        Organization.objects.filter(path__startswith=far_district.path).values_list("pk", flat=True)
    )
    rows[User] = set(User.objects.filter(username__startswith="leakxc").values_list("pk", flat=True))
    changed = True
    while changed:
        changed = False
        for model in rows:
            for field in _foreign_keys(model):
                target = rows.get(field.related_model._meta.concrete_model)
                if not target:
                    continue
                found = set(model._base_manager.filter(**{f"{field.attname}__in": target}).values_list("pk", flat=True))
                if not found <= rows[model]:
                    rows[model] |= found
                    changed = True
    return rows


Snapshot = dict[type[models.Model], dict]


def snapshot() -> Snapshot:
    result: Snapshot = {}
    for model in all_models():
        names = [field.attname for field in model._meta.concrete_fields]
        result[model] = {row[0]: row for row in model._base_manager.order_by().values_list("pk", *names)}
    return result


def write_counter() -> int:
    """A number that grows with every row this connection inserts, updates or deletes: one query, so that the
    whole-database snapshot is taken again only after a request that wrote something."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the current transaction's counts, which hold the whole test
            cursor.execute("SELECT COALESCE(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables")
        else:
            cursor.execute("SELECT total_changes()")
        return int(cursor.fetchone()[0])


class WriteWatch:
    """The snapshot of every table around each request, taken again only when the write counter moved."""

    def __init__(self) -> None:
        self.counter: int | None = None
        self.rows: Snapshot = {}

    def current(self) -> Snapshot:
        if (counter := write_counter()) != self.counter:
            self.rows, self.counter = snapshot(), counter
        return self.rows


def writes(before: Snapshot, after: Snapshot) -> Iterator[tuple[type[models.Model], object, tuple | None]]:
    """(model, pk, row after or None) for every row added, changed or deleted."""
    for model, rows in after.items():
        old = before[model]
        for pk, row in rows.items():
            if old.get(pk) != row:
                yield model, pk, row
        for pk in old.keys() - rows.keys():
            yield model, pk, None


def touches_foreign(model, pk, row, foreign: dict) -> bool:
    if pk in foreign.get(model, ()):
        return True
    if row is None:
        return False
    names = ["pk", *[field.attname for field in model._meta.concrete_fields]]
    values = dict(zip(names, row, strict=True))
    return any(
        values[field.attname] in foreign.get(field.related_model._meta.concrete_model, ())
        for field in _foreign_keys(model)
    )


@pytest.fixture(scope="module")
def scenario(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_scenario()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# The URL patterns -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None
    segments: tuple  # the pattern objects from the root to the leaf
    params: tuple[str, ...]

    @property
    def text(self) -> str:
        return "".join(str(segment) for segment in self.segments)

    @property
    def key(self) -> str:
        return self.name or self.text

    @property
    def is_admin(self) -> bool:
        return self.text.startswith("admin/")

    def url(self, values: dict) -> str:
        return "/" + "".join(_fill(segment, values) for segment in self.segments)


def _fill(pattern, values: dict) -> str:
    text = str(pattern)
    if text.startswith("^") or "(?P<" in text:  # a regex pattern: replace each named group, balancing parens
        out, i = [], 0
        while i < len(text):
            if text.startswith("(?P<", i):
                name = text[i + 4 : text.index(">", i)]
                depth, j = 0, i
                while True:
                    depth += {"(": 1, ")": -1}.get(text[j], 0) if text[j - 1 : j] != "\\" else 0
                    j += 1
                    if depth == 0:
                        break
                out.append(str(values[name]))
                i = j
            else:
                out.append(text[i])
                i += 1
        return "".join(out).lstrip("^").rstrip("$").replace("\\", "")
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), text)


def _params(pattern) -> list[str]:
    return list(pattern.regex.groupindex)


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, segments, namespace, params):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, (*segments, pattern.pattern), inner, (*params, *_params(pattern.pattern)))
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
                routes.append(Route(name, (*segments, pattern.pattern), (*params, *_params(pattern.pattern))))

    walk(get_resolver().url_patterns, (), None, ())
    return routes


# What each path parameter is filled with: a foreign object for every parameter that names one. A new URL with
# parameters and no entry here fails test_it_knows_what_every_path_parameter_names.
F = Callable[[SimpleNamespace], dict]
PATH_OBJECTS: dict[str, F] = {
    "portal:job_status": lambda f: {"pk": f.job.pk},
    "portal:job_download": lambda f: {"pk": f.job.pk},
    "branches:organization_detail": lambda f: {"pk": f.branch.pk},
    "branches:organization_children": lambda f: {"pk": f.district.pk},
    "branches:organization_edit": lambda f: {"pk": f.branch.pk},
    "branches:organization_move": lambda f: {"pk": f.branch.pk},
    "branches:organization_create": lambda f: {"parent_pk": f.district.pk},
    "branches:group_create": lambda f: {"pk": f.branch.pk},
    "branches:group_edit": lambda f: {"pk": f.group.pk},
    "branches:member_create": lambda f: {"pk": f.branch.pk},
    "branches:roster_import": lambda f: {"pk": f.branch.pk},
    "branches:roster_template": lambda f: {"pk": f.branch.pk},
    "branches:roster_export": lambda f: {"pk": f.branch.pk},
    "branches:member_detail": lambda f: {"pk": f.member.pk},
    "branches:election_create": lambda f: {"pk": f.branch.pk},
    "branches:terms_due": lambda f: {"pk": f.district.pk},
    "branches:member_edit": lambda f: {"pk": f.member.pk},
    "branches:member_transfer": lambda f: {"pk": f.member.pk},
    "branches:member_status": lambda f: {"pk": f.member.pk},
    "branches:member_account_create": lambda f: {"pk": f.member.pk},
    "study:task_complete": lambda f: {"pk": f.task.pk},
    "study:cadre_item_edit": lambda f: {"pk": f.cadre_item.pk},
    "study:material_detail": lambda f: {"pk": f.material.pk},
    "study:material_attachment": lambda f: {"pk": f.material.pk},
    "study:material_create": lambda f: {"pk": f.district.pk},
    "study:plan_list": lambda f: {"pk": f.branch.pk},
    "study:plan_create": lambda f: {"pk": f.branch.pk},
    "study:plan_adopt": lambda f: {"pk": f.branch.pk, "template_pk": f.template.pk},
    "study:plan_copy_previous": lambda f: {"pk": f.branch.pk},
    "study:plan_detail": lambda f: {"pk": f.plan.pk},
    "study:plan_item_create": lambda f: {"pk": f.plan.pk},
    "study:plan_item_edit": lambda f: {"pk": f.plan_item.pk},
    "study:plan_item_delete": lambda f: {"pk": f.plan_item.pk},
    "study:plan_submit": lambda f: {"pk": f.plan.pk},
    "study:plan_file": lambda f: {"pk": f.plan.pk},
    "study:plan_return": lambda f: {"pk": f.plan.pk},
    "study:plan_revise": lambda f: {"pk": f.plan.pk},
    "study:template_publish": lambda f: {"pk": f.template.pk},
    "study:branch_progress": lambda f: {"pk": f.branch.pk},
    "study:branch_progress_remind": lambda f: {"pk": f.branch.pk},
    "study:plan_filing_status": lambda f: {"pk": f.district.pk},
    "study:plans_file_bulk": lambda f: {"pk": f.district.pk},
    "notifications:notification_open": lambda f: {"pk": f.notification.pk},
    "activities:meeting_create": lambda f: {"pk": f.branch.pk},
    "activities:meeting_detail": lambda f: {"pk": f.meeting.pk},
    "activities:meeting_edit": lambda f: {"pk": f.meeting.pk},
    "activities:meeting_record": lambda f: {"pk": f.meeting.pk},
    "activities:meeting_file": lambda f: {"pk": f.meeting.pk},
    "activities:meeting_amend": lambda f: {"pk": f.meeting.pk},
    "activities:meeting_delete": lambda f: {"pk": f.meeting.pk},
    "activities:meeting_leave": lambda f: {"pk": f.meeting.pk},
    "activities:meeting_leave_withdraw": lambda f: {"pk": f.meeting.pk},
    "activities:month": lambda f: {"pk": f.branch.pk},
    "activities:member_attendance": lambda f: {"pk": f.member.pk},
    "activities:attendance_year": lambda f: {"pk": f.branch.pk},
    "activities:meeting_qr": lambda f: {"pk": f.meeting.pk},
    "activities:meeting_qr_svg": lambda f: {"pk": f.meeting.pk},
    "activities:sign_in": lambda f: {"token": f.sign_in_token},
    "activities:attachment_upload": lambda f: {"pk": f.meeting.pk},
    "activities:attachment_file": lambda f: {"pk": f.attachment.pk},
    "activities:attachment_thumbnail": lambda f: {"pk": f.attachment.pk},
    "activities:attachment_delete": lambda f: {"pk": f.attachment.pk},
    "activities:talk_list": lambda f: {"pk": f.branch.pk},
    "activities:talk_create": lambda f: {"pk": f.branch.pk},
    "activities:talk_detail": lambda f: {"pk": f.talk.pk},
    "activities:commitment_list": lambda f: {"pk": f.branch.pk},
    "activities:commitment_detail": lambda f: {"pk": f.commitment.pk},
    "activities:pioneer_post_create": lambda f: {"pk": f.member.pk},
    "activities:pioneer_post_end": lambda f: {"pk": f.post.pk},
    "activities:dues_collection": lambda f: {"pk": f.branch.pk},
    "activities:dues_close": lambda f: {"pk": f.branch.pk},
    "activities:dues_import": lambda f: {"pk": f.branch.pk},
    "activities:dues_amend": lambda f: {"pk": f.dues_payment.pk},
    "activities:dues_base_edit": lambda f: {"pk": f.member.pk},
    "activities:dues_overview": lambda f: {"pk": f.district.pk},
    "activities:dues_reductions": lambda f: {"pk": f.district.pk},
    "activities:dues_reduction_decide": lambda f: {"pk": f.dues_payment.pk},
    "activities:dues_overview_export": lambda f: {"pk": f.district.pk},
    "reviews:member_flags": lambda f: {"pk": f.branch.pk},
    "reviews:member_flag_talk": lambda f: {"pk": f.flag.pk},
    "reviews:dashboard": lambda f: {"pk": f.district.pk},
    "reviews:branch_todo": lambda f: {"pk": f.branch.pk},
    "reviews:month_obligations": lambda f: {"pk": f.branch.pk},
    "reviews:dashboard_export": lambda f: {"pk": f.district.pk},
    "reviews:circular": lambda f: {"pk": f.district.pk},
    "reviews:yearly_reports": lambda f: {"pk": f.district.pk},
    "reviews:evaluation_list": lambda f: {"pk": f.branch.pk},
    "reviews:evaluation_campaign": lambda f: {"pk": f.campaign.pk},
    "reviews:evaluation_stage_close": lambda f: {"pk": f.campaign.pk, "step": "preparation"},
    "reviews:evaluation_self": lambda f: {"pk": f.campaign.pk},
    "reviews:evaluation_ballots": lambda f: {"pk": f.campaign.pk},
    "reviews:evaluation_grades": lambda f: {"pk": f.campaign.pk},
    "reviews:evaluation_cases": lambda f: {"pk": f.district.pk},
    "reviews:evaluation_case_review": lambda f: {"pk": f.proposal.pk},
    "reviews:evaluation_decision": lambda f: {"pk": f.campaign.pk},
    "reviews:evaluation_progress": lambda f: {"pk": f.district.pk},
    "reviews:evaluation_progress_export": lambda f: {"pk": f.district.pk},
    "reviews:evaluation_remind": lambda f: {"pk": f.campaign.pk, "step": "self_evaluation"},
    "reviews:evaluation_opinions": lambda f: {"pk": f.campaign.pk},
    "reviews:evaluation_disposition": lambda f: {"pk": f.proposal.pk},
    "reviews:evaluation_follow_up": lambda f: {"pk": f.proposal.pk},
    "reviews:evaluation_amend": lambda f: {"pk": f.proposal.pk},
    "reviews:duty_round_list": lambda f: {"pk": f.district.pk},
    "reviews:duty_round_detail": lambda f: {"pk": f.duty_round.pk},
    "reviews:duty_round_remind": lambda f: {"pk": f.duty_round.pk},
    "reviews:duty_report_detail": lambda f: {"pk": f.duty_report.pk},
    "reviews:duty_report_edit": lambda f: {"pk": f.duty_report.pk},
    "reviews:duty_report_return": lambda f: {"pk": f.duty_report.pk},
    "reviews:duty_report_assess": lambda f: {"pk": f.duty_report.pk},
    "reviews:duty_report_conclude": lambda f: {"pk": f.duty_report.pk},
    "reviews:problem_ledger": lambda f: {"pk": f.branch.pk},
    "reviews:interview_create": lambda f: {"pk": f.branch.pk},
    "reviews:interview_detail": lambda f: {"pk": f.interview.pk},
    "reviews:problem_create": lambda f: {"pk": f.branch.pk},
    "reviews:problem_detail": lambda f: {"pk": f.ledger_problem.pk},
    "reviews:problem_start": lambda f: {"pk": f.ledger_problem.pk},
    "reviews:problem_submit": lambda f: {"pk": f.ledger_problem.pk},
    "reviews:problem_verify": lambda f: {"pk": f.ledger_problem.pk},
    "reviews:problem_return": lambda f: {"pk": f.ledger_problem.pk},
    "reviews:inspection_list": lambda f: {"pk": f.district.pk},
    "reviews:inspection_create": lambda f: {"pk": f.district.pk},
    "reviews:inspection_detail": lambda f: {"pk": f.inspection.pk},
    "reviews:inspection_close": lambda f: {"pk": f.inspection.pk},
    "reviews:inspection_branch": lambda f: {"pk": f.inspection_branch.pk},
    "reviews:finding_problem": lambda f: {"pk": f.finding.pk},
    "reviews:finding_evidence": lambda f: {"pk": f.finding.pk},
    "reviews:evidence_file": lambda f: {"pk": f.evidence.pk},
    "reviews:subtree_ratings": lambda f: {"pk": f.district.pk},
    "reviews:branch_rating": lambda f: {"pk": f.branch.pk},
    "reviews:rating_detail": lambda f: {"pk": f.rating.pk},
    "reviews:weak_overview": lambda f: {"pk": f.district.pk},
    "reviews:weak_suggestions_start": lambda f: {"pk": f.district.pk},
    "reviews:weak_suggestion_confirm": lambda f: {"pk": f.weak_suggestion.pk},
    "reviews:weak_suggestion_dismiss": lambda f: {"pk": f.weak_suggestion.pk},
    "reviews:branch_rectification": lambda f: {"pk": f.branch.pk},
    "reviews:rectification_plan_create": lambda f: {"pk": f.branch.pk},
    "reviews:rectification_plan": lambda f: {"pk": f.rectification.pk},
    "reviews:rectification_measure_add": lambda f: {"pk": f.rectification.pk},
    "reviews:rectification_update_add": lambda f: {"pk": f.rectification.pk},
    "reviews:weak_branch_lift": lambda f: {"pk": f.rectification.pk},
    "reviews:yearly_report_download": lambda f: {"pk": f.report.pk, "file_kind": "pdf"},
    "reviews:result_detail": lambda f: {
        "pk": f.branch.pk,
        "rule_code": f.rule_code,
        "period_key": str(timezone.localdate().year),
    },
    # The admin's "view on site" redirect: the portal's own view, and Django's behind it (shadowed).
    "admin/r/<int:content_type_id>/<path:object_id>/": lambda f: {
        "content_type_id": ContentType.objects.get_for_model(f.meeting).pk,
        "object_id": f.meeting.pk,
    },
    "admin:view_on_site": lambda f: {
        "content_type_id": ContentType.objects.get_for_model(f.member).pk,
        "object_id": f.member.pk,
    },
    "admin:auth_user_password_change": lambda f: {"id": f.user.pk},
}

# Parameters that name no object of either subtree: filled with a junk value; the only verdicts are no 5xx, no
# 400 and no write outside the scope.
NON_OBJECT_PATHS: dict[str, F] = {
    "account_confirm_email": lambda f: {"key": "MTIz:1abcde:LEAKXCxx"},
    "account_reset_password_from_key": lambda f: {"uidb36": "2s", "key": "set-password"},
    "admin:app_list": lambda f: {"app_label": "branches"},
    "admin/(?P<url>.*)$": lambda f: {"url": "no-such-page/"},
}

# For the admin's object pages, the foreign object of each registered model (by model label).
ADMIN_OBJECTS: dict[str, Callable[[SimpleNamespace], models.Model]] = {
    "auth.group": None,  # Django's groups belong to no subtree: filled with an unknown id (see admin_fill)
    "account.emailaddress": lambda f: f.user.emailaddress_set.first(),
    "mfa.authenticator": lambda f: f.user.authenticator_set.first(),
    "portal.job": lambda f: f.job,
    "branches.user": lambda f: f.user,
    "branches.organization": lambda f: f.branch,
    "branches.partygroup": lambda f: f.group,
    "branches.member": lambda f: f.member,
    "branches.role": lambda f: f.user.roles.first(),
    "notifications.notification": lambda f: f.notification,
    "notifications.reminder": None,
    "study.studymaterial": lambda f: f.material,
    "study.materialread": None,
    "study.studyplan": lambda f: f.plan,
    "study.studytask": lambda f: f.task,
    "study.cadrestudyplan": lambda f: f.cadre_item.plan,
    "activities.meeting": lambda f: f.meeting,
    "activities.attendance": lambda f: f.meeting.attendances.first(),
    "activities.hearttalk": lambda f: f.talk,
    "activities.commitment": lambda f: f.commitment,
    "activities.pioneerpost": lambda f: f.post,
    "activities.duespayment": lambda f: f.dues_payment,
    "activities.duesrule": None,  # city-wide brackets, in no subtree: an unknown id
    "reviews.ruleset": lambda f: f.rule_set,
    "reviews.rule": None,
    "reviews.complianceresult": None,
    "reviews.compliancerollup": None,
    "reviews.memberflag": lambda f: f.flag,
    "reviews.gradepolicy": None,  # city-wide settings, in no subtree: an unknown id
    "reviews.dutyreportround": lambda f: f.duty_round,
    "reviews.dutyreport": lambda f: f.duty_report,
    "reviews.dutyassessment": lambda f: f.duty_report.assessments.first(),
    "reviews.evaluationcampaign": lambda f: f.campaign,
    "reviews.gradeproposal": lambda f: f.proposal,
    "reviews.evaluationproblem": lambda f: f.problem,
    "reviews.ratingrubric": lambda f: f.rubric,
    "reviews.branchrating": lambda f: f.rating,
    "reviews.weakcriterion": None,  # city-wide criteria, in no subtree: an unknown id
    "reviews.weaksuggestion": lambda f: f.weak_suggestion,
    "reviews.rectificationplan": lambda f: f.rectification,
}
ADMIN_OBJECT_ROUTE = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/<path:object_id>/")


def admin_model_label(route: Route) -> str | None:
    match = ADMIN_OBJECT_ROUTE.match(route.text)
    return f"{match['app']}.{match['model']}" if match else None


def path_kind(route: Route) -> str:
    """'object' (a foreign object in the path), 'non_object' (a junk value) or 'none' (no parameters)."""
    if not route.params:
        return "none"
    if route.key in NON_OBJECT_PATHS:
        return "non_object"
    label = admin_model_label(route)
    if label is not None and ADMIN_OBJECTS.get(label, "missing") is None:
        return "non_object"  # a model with no row in either subtree (seeded or derived data): an unknown id
    return "object"


def fill(route: Route, foreign: SimpleNamespace) -> dict:
    if route.key in NON_OBJECT_PATHS:
        return NON_OBJECT_PATHS[route.key](foreign)
    label = admin_model_label(route)
    if label is not None:
        getter = ADMIN_OBJECTS[label]
        return {"object_id": getter(foreign).pk if getter else 987654321}
    return PATH_OBJECTS[route.key](foreign)


# The requests ---------------------------------------------------------------------------------------------------


def post_body(f: SimpleNamespace) -> dict:
    """A POST naming foreign objects in every field name a form of the portal uses for one."""
    today = timezone.localdate().isoformat()
    ids = {
        "organization": f.branch.pk,
        "organization_id": f.branch.pk,
        "parent": f.district.pk,
        "new_parent": f.district.pk,
        "to_organization": f.branch.pk,
        "branch": f.branch.pk,
        "member": f.member.pk,
        "members": [f.member.pk, f.cadre.pk],
        "member_id": f.member.pk,
        "user": f.user.pk,
        "owner": f.user.pk,
        "leader": f.member.pk,
        "group": f.group.pk,
        "host": f.member.pk,
        "recorder": f.member.pk,
        "lecturer": f.member.pk,
        "initiator": f.cadre.pk,
        "counterpart": f.member.pk,
        "observers": [f.member.pk],
        "plan": [f.plan.pk],
        "plans": [f.plan.pk],
        "template": f.template.pk,
        "item": f.plan_item.pk,
        "items": [f.plan_item.pk],
        "plan_items": [f.plan_item.pk],
        "materials": [f.material.pk],
        "material": f.material.pk,
        "meeting": f.meeting.pk,
        "task": f.task.pk,
        "talk": f.talk.pk,
        "back": f.talk.pk,
        "job": f.job.pk,
        "notification": f.notification.pk,
        "attachment": f.attachment.pk,
        "rule_set": f.rule_set.pk,
        "rating": f.rating.pk,
        "rubric": f.rubric.pk,
        "representatives": [f.user.pk],
        "branches": [f.branch.pk],
        "measure": f.rectification.measures.first().pk,
        "secretary": f.member.pk,
        "organizer": f.cadre.pk,
        "committee_members": [f.member.pk, f.cadre.pk],
        "interviewee": f.cadre.pk,
        "committee": f.district.pk,
        "linked_problems": [f.ledger_problem.pk],
    }
    text = {
        "goal": "矩阵测试",
        "text": "矩阵测试",
        "name": "矩阵测试",
        "title": "矩阵测试",
        "topic": "矩阵测试",
        "summary": "矩阵测试",
        "pledge": "矩阵测试",
        "post": "矩阵测试",
        "report": "矩阵测试",
        "comment": "矩阵测试",
        "branch_comment": "矩阵测试",
        "note": "矩阵测试",
        "reason": "矩阵测试",
        "reflection": "矩阵测试",
        "performance": "矩阵测试",
        "problems": "矩阵测试",
        "plans": "矩阵测试",
        "conclusion": "矩阵测试",
        "description": "矩阵测试",
        "responsible": "矩阵测试",
        "measures": "矩阵测试",
        "evidence": "矩阵测试",
        "inspectors": "矩阵测试",
        "interviewers": "矩阵测试",
        "subject": "矩阵测试",
        "outcome": "矩阵测试",
        "elected_on": today,
        "deadline": today,
        "period_start": today,
        "period_end": today,
        "kind": "round",
        "source": "masses",
        "result_item:1": "passed",
        "due_on": today,
        "version": "1",
        "held_on": today,
        "on": today,
        "started_on": today,
        "ended_on": today,
        "year": timezone.localdate().year,
        "month": timezone.localdate().month,
        "action": "comment",
        "stars": 1,
    }
    return ids | text


def query_string(f: SimpleNamespace) -> dict:
    """Foreign ids under every name a view reads from the query string, and a search for the foreign names (the
    search text is part of the marker, so an echoed search box is no leak)."""
    return {
        "organization": f.branch.pk,
        "org": f.branch.pk,
        "member": f.member.pk,
        "group": f.group.pk,
        "plan": f.plan.pk,
        "meeting": f.meeting.pk,
        "task": f.task.pk,
        "talk": f.talk.pk,
        "job": f.job.pk,
        "q": "泄漏检查",
    }


def body_text(response) -> str:
    content_type = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if "spreadsheetml" in content_type:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for value in row
        )
    return content.decode("utf-8", errors="replace")


def leaks(response) -> bool:
    text = body_text(response)
    return MARK in text or CODE_MARK in text


def client_for(scenario, role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(scenario.users[role])
    return client


def ensure_logged_in(client: Client, scenario, role: str) -> None:
    """A POST to a logout URL (or a password change) may end the session: log in again, so that every request
    is made as the role."""
    if role != "anonymous" and str(client.session.get("_auth_user_id")) != str(scenario.users[role].pk):
        client.force_login(scenario.users[role])


def location(response) -> str:
    return response.get("Location", "")


def model_refused(route: Route, role: str, scenario) -> bool:
    """Django's and allauth's own admins (groups, e-mail addresses, authenticators) are not the portal's: the
    roles hold no permission on their models, and Django answers 403 to every id alike (own, foreign or none),
    so the answer tells nothing about the object."""
    label = admin_model_label(route)
    if role == "anonymous" or label is None or label.split(".")[0] in PORTAL_APPS:
        return False
    return not scenario.users[role].has_perm(f"{label.split('.')[0]}.view_{label.split('.')[1]}")


def object_verdict(role: str, response, *, model_refused: bool = False) -> str | None:
    """None when a request naming a foreign object in its path was answered as it must be."""
    status = response.status_code
    if status in (404, 405) or (status == 403 and model_refused):
        return None
    if status in (301, 302) and role == "anonymous" and location(response).startswith(LOGIN_PREFIXES):
        return None
    return f"{status} {location(response)}".strip()


def request(client: Client, method: str, url: str, data: dict | None = None):
    if method == "GET":
        return client.get(url, data or {})
    return client.post(url, data or {})


# The tests ------------------------------------------------------------------------------------------------------


def test_it_knows_what_every_path_parameter_names():
    routes = all_routes()
    admin_labels = {model._meta.label_lower for model in admin.site._registry}
    missing = []
    for route in routes:
        if not route.params or route.key in PATH_OBJECTS or route.key in NON_OBJECT_PATHS:
            continue
        label = admin_model_label(route)
        if label is None or label not in ADMIN_OBJECTS:
            missing.append(route.key)
    assert missing == []
    assert admin_labels <= ADMIN_OBJECTS.keys()
    assert not (PATH_OBJECTS.keys() | NON_OBJECT_PATHS.keys()) - {route.key for route in routes}, "stale entries"


def test_it_gets_the_host_allowed(scenario, db):
    """The matrix is not vacuous: the test client's host is allowed and a page of the role's own subtree opens."""
    client = client_for(scenario, "secretary")
    response = client.get(f"/orgs/{scenario.own.branch.pk}/")
    assert response.status_code == 200
    assert "矩阵东城第一支部" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_it_answers_404_and_writes_nothing_for_foreign_ids_in_the_path(scenario, db, role):
    client = client_for(scenario, role)
    watch = WriteWatch()
    failures = []
    for route in all_routes():
        kind = path_kind(route)
        if kind == "none":
            continue
        url = route.url(fill(route, scenario.foreign))
        for method in ("GET", "POST"):
            ensure_logged_in(client, scenario, role)
            before = watch.current()
            response = request(client, method, url, post_body(scenario.foreign) if method == "POST" else None)
            after = watch.current()
            if route.name is None and route.is_admin and response.status_code in (301, 302) and role != "anonymous":
                response = client.get(location(response))  # the admin's old-style object URL: follow it
            changed = list(writes(before, after))
            if kind == "object":
                if verdict := object_verdict(role, response, model_refused=model_refused(route, role, scenario)):
                    failures.append(f"{method} {url} ({route.key}): {verdict}")
                if changed:
                    failures.append(f"{method} {url}: wrote {[(m._meta.label, pk) for m, pk, _row in changed]}")
            else:  # no object named: the admin may refuse the model (403) or send to its index
                if response.status_code >= 500 or response.status_code in ((400,) if route.is_admin else (400, 403)):
                    failures.append(f"{method} {url} ({route.key}): {response.status_code}")
                outside = [
                    (m._meta.label, pk) for m, pk, row in changed if touches_foreign(m, pk, row, scenario.foreign_rows)
                ]
                if outside:
                    failures.append(f"{method} {url}: wrote outside the scope {outside}")
    assert not failures, "\n".join(failures)


# Pages without an object that only administrators may open: other roles get 403 (no object, nothing named).
ADMINISTRATOR_PAGES = {"branches:audit_log"}


@pytest.mark.parametrize("role", ROLES)
def test_it_never_shows_foreign_objects_on_pages_without_ids(scenario, db, role):
    client = client_for(scenario, role)
    watch = WriteWatch()
    failures = []
    for route in all_routes():
        if route.params:
            continue
        url = route.url({})
        for method, data in (("GET", None), ("GET", query_string(scenario.foreign)), ("POST", "body")):
            ensure_logged_in(client, scenario, role)
            before = watch.current()
            response = request(client, method, url, post_body(scenario.foreign) if data == "body" else data)
            after = watch.current()
            label = f"{method} {url}{'?…' if data and data != 'body' else ''} ({route.key})"
            # The admin answers 403 to a form of a model the role may not add: no object is named, nothing leaks.
            # So do pages that need a right the role lacks (the audit log is for administrators).
            may_refuse = route.is_admin or (route.key in ADMINISTRATOR_PAGES and role != "district_administrator")
            refused = (400,) if may_refuse else (400, 403)
            if response.status_code >= 500 or response.status_code in refused:
                failures.append(f"{label}: {response.status_code}")
            elif leaks(response):
                failures.append(f"{label}: shows a foreign object")
            outside = [
                (m._meta.label, pk)
                for m, pk, row in writes(before, after)
                if touches_foreign(m, pk, row, scenario.foreign_rows)
            ]
            if outside:
                failures.append(f"{label}: wrote outside the scope {outside}")
    assert not failures, "\n".join(failures)


def own_path_foreign_query(scenario) -> list[tuple[str, dict]]:
    """Pages of the role's own subtree that read an id from the query string, given a foreign one."""
    own, f = scenario.own, scenario.foreign
    return [
        (f"/member-flags/{own.flag.pk}/talk/", {"talk": f.talk.pk}),
        (f"/orgs/{own.branch.pk}/study-progress/", {"task": f.task.pk}),
        (f"/orgs/{own.branch.pk}/roster/import/", {"job": f.job.pk}),
        (f"/orgs/{own.branch.pk}/meetings/new/", {"group": f.group.pk, "date": timezone.localdate().isoformat()}),
        (f"/orgs/{own.branch.pk}/plan-filing/", {"organization": f.branch.pk, "plan": f.plan.pk}),
        (f"/orgs/{own.district.pk}/plan-filing/", {"organization": f.branch.pk, "plan": f.plan.pk}),
        (f"/orgs/{own.district.pk}/compliance/", {"organization": f.district.pk, "category": "x"}),
        (f"/orgs/{own.district.pk}/compliance/export.xlsx", {"organization": f.district.pk}),
        (f"/orgs/{own.branch.pk}/roster/export.xlsx", {"organization": f.branch.pk, "member": f.member.pk}),
        (f"/orgs/{own.branch.pk}/", {"q": "泄漏检查", "group": f.group.pk}),
        (f"/orgs/{own.branch.pk}/dues/", {"member": f.member.pk, "month": "2026-01"}),
        (f"/orgs/{own.branch.pk}/member-flags/", {"talk": f.talk.pk, "member": f.member.pk}),
        ("/admin/branches/member/roster-import/", {"job": f.job.pk}),
        (
            "/admin/autocomplete/",
            {"app_label": "activities", "model_name": "meeting", "field_name": "host", "term": "泄漏检查"},
        ),
        (
            "/admin/autocomplete/",
            {"app_label": "branches", "model_name": "member", "field_name": "organization", "term": "泄漏检查"},
        ),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_it_ignores_foreign_ids_in_the_query_string_of_own_pages(scenario, db, role):
    client = client_for(scenario, role)
    failures = []
    for url, query in own_path_foreign_query(scenario):
        ensure_logged_in(client, scenario, role)
        response = client.get(url, query)
        # The object in the path is the role's own: a role that may not manage it gets 403, as without the query.
        if response.status_code >= 500 or response.status_code == 400:
            failures.append(f"GET {url} {query}: {response.status_code}")
        elif leaks(response):
            failures.append(f"GET {url} {query}: shows a foreign object")
    assert not failures, "\n".join(failures)


def test_the_write_watch_sees_every_write_it_must_report(db, branch):
    # The matrix trusts the write counter to know when to snapshot again: a write must move it.
    watch = WriteWatch()
    before = watch.current()
    notification = Notification.objects.create(recipient=UserFactory(), title="写入检查")
    branch.name = "改名检查"
    branch.save(update_fields=["name"])
    after = watch.current()
    changed = {(model._meta.label, pk) for model, pk, _row in writes(before, after)}
    assert ("notifications.Notification", notification.pk) in changed
    assert ("branches.Organization", branch.pk) in changed
    assert watch.current() is after  # nothing written since: the same snapshot, no new queries
