"""Writes for the organisation tree, members, roles and accounts.

Plain functions with keyword arguments; each runs in one transaction and
validates with `full_clean()` before saving.
"""

from __future__ import annotations

import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import idnumbers
from branches.models import (
    Member,
    Membership,
    MemberStatus,
    Organization,
    PartyGroup,
    Role,
    RoleKind,
    User,
)
from portal import hooks
from portal.audit.models import AuditAction
from portal.audit.services import audit_record

if TYPE_CHECKING:
    from django.contrib.auth.models import Group

ORGANIZATION_FIELDS = {
    "name",
    "short_name",
    "code",
    "kind",
    "category",
    "established_on",
    "term_started_on",
    "term_ends_on",
    "is_weak",
    "weak_since",
    "weak_reason",
    "address",
}
MEMBER_FIELDS = {
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "education",
    "phone",
    "membership_type",
    "joined_on",
    "full_member_on",
    "is_retired",
    "is_floating",
    "is_non_public",
    "is_leading_cadre",
    "is_student",
    "status",
    "status_changed_on",
    "group",
    "position",
    "leadership_team",
    "user",
}


def _set_fields(instance: Any, allowed: set[str], values: dict[str, Any]) -> None:
    unknown = set(values) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    for name, value in values.items():
        setattr(instance, name, value)


@transaction.atomic
def organization_create(*, parent: Organization | None, **fields: Any) -> Organization:
    """Create an organisation under `parent` and give it its path."""
    organization = Organization(parent=parent, path="", depth=0)
    _set_fields(organization, ORGANIZATION_FIELDS, fields)
    organization.full_clean(exclude=["path", "depth"])
    # The path needs the primary key: insert with a unique temporary path, then set it.
    organization.path = f"tmp-{timezone.now().timestamp()}-{id(organization)}"
    organization.save()
    organization.path = (parent.path if parent else "") + Organization.path_segment(organization.pk)
    organization.depth = organization.path.count("/")
    organization.save(update_fields=["path", "depth"])
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, **fields: Any) -> Organization:
    """Change an organisation's own fields (not its place in the tree)."""
    _set_fields(organization, ORGANIZATION_FIELDS, fields)
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def organization_move(*, organization: Organization, new_parent: Organization) -> Organization:
    """Move an organisation and its whole subtree under `new_parent` (one UPDATE for the subtree)."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if new_parent.path.startswith(organization.path):
        raise ValidationError({"new_parent": _("不能把党组织移到它自己或其下级组织之下。")})
    organization.parent = new_parent
    try:
        organization.full_clean(exclude=["path", "depth"])
    except ValidationError as error:
        raise ValidationError({"new_parent": error.messages}) from None
    old_path = organization.path
    new_path = new_parent.path + Organization.path_segment(organization.pk)
    depth_change = new_path.count("/") - old_path.count("/")
    Organization.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    Organization.objects.filter(pk=organization.pk).update(parent=new_parent)
    organization.refresh_from_db()
    return organization


@transaction.atomic
def group_create(
    *,
    organization: Organization,
    name: str,
    leader: Member | None = None,
    established_on: datetime.date | None = None,
    dissolved_on: datetime.date | None = None,
) -> PartyGroup:
    """Set up a 党小组 (on `established_on`, default today): from the first month it stands throughout, it is
    judged by the group rules instead of its branch."""
    group = PartyGroup(
        organization=organization,
        name=name,
        leader=leader,
        established_on=established_on or timezone.localdate(),
        dissolved_on=dissolved_on,
    )
    group.full_clean()
    group.save()
    _group_dissolve_members(group)
    _structure_changed_on_commit(organization.pk, [group.established_on, dissolved_on])
    return group


@transaction.atomic
def group_update(
    *,
    group: PartyGroup,
    name: str,
    leader: Member | None,
    established_on: datetime.date | None = None,
    dissolved_on: datetime.date | None = None,
) -> PartyGroup:
    """Rename a group, change its leader, or correct the days it was set up and dissolved. A dissolved group
    keeps its meetings and past results; its members are no longer in a group from the day it is dissolved."""
    before = [group.established_on, group.dissolved_on]
    group.name = name
    group.leader = leader
    group.established_on = established_on or group.established_on
    group.dissolved_on = dissolved_on
    group.full_clean()
    group.save()
    _group_dissolve_members(group)
    if before != [group.established_on, group.dissolved_on]:
        _structure_changed_on_commit(group.organization_id, [*before, group.established_on, group.dissolved_on])
    return group


def _group_dissolve_members(group: PartyGroup) -> None:
    if group.is_dissolved:
        if group.leader_id:
            PartyGroup.objects.filter(pk=group.pk).update(leader=None)
            group.leader = None
        member_ids = list(group.members.values_list("pk", flat=True))
        Member.objects.filter(pk__in=member_ids).update(group=None, updated_at=timezone.now())
        for member_id in member_ids:
            for receiver in hooks.member_changed.receivers():
                transaction.on_commit(partial(receiver, member_id=member_id))


def _structure_changed_on_commit(organization_id: int, days: list[datetime.date | None]) -> None:
    """The branch's groups changed on these days: the apps above judge the years touched again (the
    current one and last year's at most: older years are closed)."""
    this_year = timezone.localdate().year
    years = sorted(
        {this_year} | {day.year for day in days if day is not None and this_year - 1 <= day.year <= this_year}
    )
    for receiver in hooks.organization_structure_changed.receivers():
        transaction.on_commit(partial(receiver, organization_id=organization_id, years=years))


def _id_number_taken(*, digest: str, exclude_pk: int | None) -> bool:
    qs = Member.objects.filter(id_number_digest=digest)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


@transaction.atomic
def member_create(
    *, organization: Organization, id_number: str, started_on: datetime.date | None = None, **fields: Any
) -> Member:
    """Register a member in a branch and open their membership record."""
    idnumbers.validate_id_number(id_number)
    member = Member(organization=organization)
    _set_fields(member, MEMBER_FIELDS, fields)
    member.set_id_number(id_number)
    if not member.birth_date:
        member.birth_date = idnumbers.birth_date_of(idnumbers.normalize(id_number))
    if _id_number_taken(digest=member.id_number_digest, exclude_pk=None):
        raise ValidationError({"id_number": _("该身份证号已登记在其他党员名下。")})
    member.full_clean(exclude=["id_number_encrypted", "id_number_digest"])
    member.save()
    Membership.objects.create(member=member, organization=organization, started_on=started_on or timezone.localdate())
    _member_tasks_sync_on_commit(member)
    return member


@transaction.atomic
def member_update(*, member: Member, id_number: str | None = None, **fields: Any) -> Member:
    """Change a member's details. Moving to another branch goes through `member_transfer`."""
    _set_fields(member, MEMBER_FIELDS, fields)
    if id_number:
        idnumbers.validate_id_number(id_number)
        member.set_id_number(id_number)
        if _id_number_taken(digest=member.id_number_digest, exclude_pk=member.pk):
            raise ValidationError({"id_number": _("该身份证号已登记在其他党员名下。")})
    member.full_clean(exclude=["id_number_encrypted", "id_number_digest"])
    member.save()
    return member


@transaction.atomic
def member_transfer(*, member: Member, to_organization: Organization, on: datetime.date, note: str = "") -> Member:
    """Move a member to another branch, closing the old membership record and opening a new one."""
    if to_organization.pk == member.organization_id:
        raise ValidationError({"organization": _("党员已在该党支部。")})
    open_stay = Membership.objects.select_for_update().filter(member=member, ended_on__isnull=True).first()
    if open_stay and on < open_stay.started_on:
        raise ValidationError({"on": _("转接日期不能早于转入现支部的日期。")})
    if open_stay:
        open_stay.ended_on = on
        open_stay.save(update_fields=["ended_on"])
    member.organization = to_organization
    member.group = None
    member.full_clean(exclude=["id_number_encrypted", "id_number_digest"])
    member.save(update_fields=["organization", "group", "updated_at"])
    Membership.objects.create(member=member, organization=to_organization, started_on=on, note=note)
    _member_tasks_sync_on_commit(member)
    return member


@transaction.atomic
def member_status_change(*, member: Member, status: str, on: datetime.date) -> Member:
    """Record a status change (转出, 去世, …); a member who leaves has their membership closed."""
    member.status = status
    member.status_changed_on = on
    member.full_clean(exclude=["id_number_encrypted", "id_number_digest"])
    member.save(update_fields=["status", "status_changed_on", "updated_at"])
    if status != MemberStatus.ACTIVE:
        Membership.objects.filter(member=member, ended_on__isnull=True).update(ended_on=on)
    _member_tasks_sync_on_commit(member)
    return member


def _member_tasks_sync_on_commit(member: Member) -> None:
    """A member who joins, moves or leaves: the apps above follow after commit (study brings their study
    tasks in line), through `portal.hooks.member_changed`."""
    member_id = member.pk
    for receiver in hooks.member_changed.receivers():
        transaction.on_commit(partial(receiver, member_id=member_id))


ADMINISTRATORS_GROUP = "系统管理员"


def _view(*models: str) -> list[str]:
    return [f"view_{model}" for model in models]


# Django admin rights an administrator role brings; full ID numbers stay an explicit, separate permission. Each
# admin still shows only the user's scope (branches.admin.ScopedAdminMixin) and decides per object what may be
# changed. A new model's admin needs its rights here (apps by label: this module imports none of them) and a
# data migration for existing databases (reviews/migrations/…_administrators_group_rights.py shows how).
ADMINISTRATOR_PERMISSIONS = {
    "branches": [
        f"{action}_{model}"
        for model in ("organization", "partygroup", "member", "membership", "role", "user")
        for action in ("view", "add", "change", "delete")
    ],
    "study": [
        *_view("studymaterial", "materialread", "studyplan", "studyplanitem", "planstatuschange"),
        "view_studytask",
        "view_cadrestudyplan",
        "view_cadrestudyitem",
        "change_studymaterial",
    ],
    "notifications": _view("notification", "reminder"),
    "activities": [
        *_view("meeting", "attendance", "meetingattachment", "meetingversion", "hearttalk", "commitment"),
        *_view("pioneerpost"),
        *_view("duespayment"),
        "change_meeting",  # the texts of a meeting not yet filed (activities.admin.MeetingAdmin)
    ],
    "reviews": [
        *(f"{action}_{model}" for model in ("ruleset", "rule") for action in ("view", "add", "change", "delete")),
        *_view("complianceresult", "compliancerollup", "memberflag", "evaluationcampaign", "gradeproposal"),
        *_view("gradepolicy", "dutyreportround", "dutyreport", "dutyassessment"),
        *_view("evaluationproblem"),
        *(f"{action}_ratingrubric" for action in ("view", "add", "change", "delete")),
        *_view("branchrating"),
        *_view("weakcriterion", "weaksuggestion", "rectificationplan"),
        "add_weakcriterion",
        "change_weakcriterion",
    ],
}


def _administrators_group() -> Group:
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=ADMINISTRATORS_GROUP)
    wanted = Q(pk__in=[])
    for app_label, codenames in ADMINISTRATOR_PERMISSIONS.items():
        wanted |= Q(content_type__app_label=app_label, codename__in=codenames)
    # Kept in step with the list above, so a new app's rights reach existing administrators.
    group.permissions.set(Permission.objects.filter(wanted))
    return group


@transaction.atomic
def role_assign(
    *,
    user: User,
    organization: Organization,
    kind: str,
    started_on: datetime.date | None = None,
    by: User | None = None,
) -> Role:
    """Give a user a role in an organisation. Administrators also get the Django admin (staff + group).

    A new grant is written to the audit log, with `by` as the granter.
    """
    role, created = Role.objects.get_or_create(
        user=user, organization=organization, kind=kind, defaults={"started_on": started_on}
    )
    if kind == RoleKind.ADMINISTRATOR:
        user.groups.add(_administrators_group())
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    if created:
        _role_audit(role=role, action=AuditAction.ROLE_GRANTED, by=by)
    return role


@transaction.atomic
def role_update(*, role: Role, by: User | None = None) -> Role:
    """Save a changed role (kind, organisation, start date) and log the change; an administrator role keeps
    the Django admin."""
    before: dict[str, object] = dict(Role.objects.filter(pk=role.pk).values("organization_id", "kind").first() or {})
    role.full_clean()
    role.save()
    if role.kind == RoleKind.ADMINISTRATOR:
        role_assign(user=role.user, organization=role.organization, kind=role.kind, by=by)
    _role_audit(
        role=role,
        action=AuditAction.ROLE_CHANGED,
        by=by,
        extra={"before_organization_id": before.get("organization_id"), "before_kind": before.get("kind")},
    )
    return role


@transaction.atomic
def role_revoke(*, role: Role, by: User | None = None) -> None:
    """Take a role away; the last administrator role also takes away the Django admin. Logged."""
    user = role.user
    _role_audit(role=role, action=AuditAction.ROLE_REVOKED, by=by)
    role.delete()
    if role.kind == RoleKind.ADMINISTRATOR and not user.roles.filter(kind=RoleKind.ADMINISTRATOR).exists():
        user.groups.remove(_administrators_group())
        if not user.is_superuser:
            user.is_staff = False
            user.save(update_fields=["is_staff"])


def _role_audit(*, role: Role, action: AuditAction, by: User | None, extra: dict | None = None) -> None:
    audit_record(
        actor=by,
        action=action,
        target=role,
        organization_id=role.organization_id,
        detail={"user": role.user.get_username(), "kind": role.kind, **(extra or {})},
    )


def account_invite_url(*, user: User) -> str:
    """The first-login link: allauth's set-password-from-key page for this user."""
    # allauth's generator: it checks links with its own (which also hashes the e-mail addresses).
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    key = default_token_generator.make_token(user)
    return reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})


@transaction.atomic
def account_create(
    *,
    username: str,
    full_name: str,
    email: str = "",
    phone: str | None = None,
    member: Member | None = None,
    base_url: str = "",
) -> User:
    """Create a login (no password yet) and e-mail a first-login link when an address is known.

    There is no public sign-up: administrators and secretaries create accounts.
    """
    user = User(username=username, first_name=full_name, email=email, phone=phone or None)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    if member is not None:
        if member.user_id:
            raise ValidationError({"member": _("该党员已有登录账号。")})
        member.user = user
        member.save(update_fields=["user", "updated_at"])
    if email:
        from branches.tasks import account_invite_send as account_invite_send_task

        account_invite_send_task.delay_on_commit(user_id=user.pk, link=base_url + account_invite_url(user=user))
    return user


def account_invite_send(*, user_id: int, link: str) -> bool:
    """E-mail a first-login link. Sends nothing for an account that already has a password."""
    user = User.objects.get(pk=user_id)
    if user.has_usable_password() or not user.email:
        return False
    body = render_to_string("branches/email/account_invite.txt", {"user": user, "link": link})
    send_mail(_("两学一做学习教育平台：设置您的登录密码"), body, None, [user.email], fail_silently=False)
    return True


def login_guessing_warn(*, user_id: int, period: int) -> bool:
    """E-mail the owner that someone is guessing their password; once per counting window (idempotent).

    The claim is a cache key (shared by every worker): a retried or duplicated task for the same window sends
    nothing; a failed send releases the claim so that the retry sends it.
    """
    from django.core.cache import cache

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    claim = f"login-warning-sent:{user_id}:{period}"
    if not cache.add(claim, 1, timeout=24 * 3600):
        return False
    try:
        body = render_to_string("branches/email/login_guessing_warning.txt", {"user": user})
        send_mail(_("两学一做学习教育平台：您的账号正被尝试登录"), body, None, [user.email], fail_silently=False)
    except Exception:
        cache.delete(claim)
        raise
    return True


def account_email_send(*, subject: str, body: str, to: list[str], html_body: str = "", from_email: str = "") -> int:
    """Send one account e-mail rendered by allauth's templates (from the worker). Raises on SMTP failure so that
    the task retries; a password-reset link stays valid meanwhile."""
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=from_email or settings.DEFAULT_FROM_EMAIL, to=to
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    return message.send()
