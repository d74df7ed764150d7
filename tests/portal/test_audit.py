"""The audit log (portal/audit/): append-only events, retention, logins, roles, ID numbers, exports, the admin."""

import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from branches import services
from branches.models import PartyGroup, Role, RoleKind
from portal.audit.models import AuditAction, AuditEvent
from portal.audit.services import audit_prune, audit_record
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, PartyGroupFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def grant_full_id_permission(user):
    user.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))


# --- The log itself -----------------------------------------------------------------------------------------------


def test_it_refuses_to_change_an_event(secretary):
    event = audit_record(actor=secretary, action=AuditAction.LOGIN)

    event.actor_name = "someone-else"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(actor_name="someone-else")
    assert AuditEvent.objects.get(pk=event.pk).actor_name == "secretary"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_it_has_postgresql_refuse_an_update_behind_the_applications_back(secretary):
    event = audit_record(actor=secretary, action=AuditAction.LOGIN)

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE portal_auditevent SET actor_name = 'x' WHERE id = %s", [event.pk])

    assert AuditEvent.objects.get(pk=event.pk).actor_name == "secretary"


def test_it_prunes_only_events_older_than_the_retention(settings, monkeypatch, secretary):
    settings.AUDIT_RETENTION_DAYS = 200
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now - datetime.timedelta(days=201))
    audit_record(actor=secretary, action=AuditAction.LOGIN)  # created_at is set on insert: 201 days ago
    monkeypatch.setattr(timezone, "now", lambda: now - datetime.timedelta(days=199))
    kept = audit_record(actor=secretary, action=AuditAction.LOGIN)
    monkeypatch.setattr(timezone, "now", lambda: now)

    from portal.audit.tasks import audit_prune as audit_prune_task

    assert audit_prune_task.apply().get() == 1
    assert audit_prune(now=now) == 0
    assert list(AuditEvent.objects.filter(action="login").values_list("pk", flat=True)) == [kept.pk]


def test_it_refuses_a_retention_below_six_months():
    from tests.test_settings import _settings_in_subprocess

    refused = _settings_in_subprocess(AUDIT_RETENTION_DAYS="179")
    accepted = _settings_in_subprocess(AUDIT_RETENTION_DAYS="365")

    assert refused.returncode != 0 and "AUDIT_RETENTION_DAYS must be at least 180" in refused.stderr
    assert accepted.returncode == 0, accepted.stderr


def test_it_schedules_the_nightly_prune(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["portal-audit-prune"]
    assert entry["task"] == "portal.audit.tasks.audit_prune"


# --- Logins -------------------------------------------------------------------------------------------------------


def test_it_logs_a_login_with_the_users_organisation_and_address(client, member_user, branch):
    client.post(reverse("account_login"), {"login": "member", "password": PASSWORD}, REMOTE_ADDR="198.51.100.4")

    [event] = events(AuditAction.LOGIN)
    assert (event.actor_id, event.organization_id, event.ip_address) == (member_user.pk, branch.pk, "198.51.100.4")


def test_it_logs_a_failed_login_against_the_account_named(client, member_user, branch):
    member_user.email = "li@example.org"
    member_user.save(update_fields=["email"])

    client.post(reverse("account_login"), {"login": "li@example.org", "password": "wrong"}, REMOTE_ADDR="192.0.2.9")
    client.post(reverse("account_login"), {"login": "nobody", "password": "wrong"}, REMOTE_ADDR="192.0.2.9")

    known, unknown = events(AuditAction.LOGIN_FAILED)
    assert (known.actor_id, known.target_id, known.organization_id) == (None, str(member_user.pk), branch.pk)
    assert known.detail == {"login": "li@example.org"} and known.ip_address == "192.0.2.9"
    assert (unknown.target_id, unknown.organization_id, unknown.actor_name) == ("", None, "nobody")
    assert "wrong" not in str(known.detail) + str(unknown.detail)


# --- Roles --------------------------------------------------------------------------------------------------------


def test_it_logs_role_grants_changes_and_revocations(administrator, branch, sibling_branch):
    user = UserFactory(username="new_secretary")

    role = services.role_assign(user=user, organization=branch, kind=RoleKind.SECRETARY, by=administrator)
    services.role_assign(user=user, organization=branch, kind=RoleKind.SECRETARY, by=administrator)  # no change
    role.organization = sibling_branch
    services.role_update(role=role, by=administrator)
    services.role_revoke(role=role, by=administrator)

    granted, changed, revoked = (
        [e for e in events(a) if e.detail["user"] == "new_secretary"]
        for a in ("role_granted", "role_changed", "role_revoked")
    )
    assert len(granted) == len(changed) == len(revoked) == 1
    assert (granted[0].actor_id, granted[0].organization_id) == (administrator.pk, branch.pk)
    assert granted[0].detail == {"user": "new_secretary", "kind": RoleKind.SECRETARY}
    assert changed[0].organization_id == sibling_branch.pk
    assert changed[0].detail["before_organization_id"] == branch.pk
    assert revoked[0].organization_id == sibling_branch.pk


def test_it_logs_a_role_granted_in_the_admin(client, administrator, branch):
    user = UserFactory(username="grantee")
    MemberFactory(organization=branch, name="新书记", user=user)
    client.force_login(administrator)

    response = client.post(
        reverse("admin:branches_role_add"), {"user": user.pk, "organization": branch.pk, "kind": RoleKind.SECRETARY}
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    [granted] = [e for e in events(AuditAction.ROLE_GRANTED) if e.detail["user"] == "grantee"]
    assert (granted.actor_id, granted.target_id) == (administrator.pk, str(Role.objects.get(user=user).pk))


# --- Full ID numbers ----------------------------------------------------------------------------------------------


def test_it_logs_every_read_of_full_id_numbers(client, secretary, member_user, branch):
    client.force_login(secretary)
    client.get(reverse("branches:member_detail", args=[member_user.member.pk]))
    client.get(reverse("branches:organization_detail", args=[branch.pk]))
    assert events(AuditAction.ID_NUMBER_VIEWED) == []  # masked numbers: nothing read

    grant_full_id_permission(secretary)
    client.force_login(secretary)
    client.get(reverse("branches:member_detail", args=[member_user.member.pk]))
    client.get(reverse("branches:organization_detail", args=[branch.pk]))
    client.get(reverse("branches:member_edit", args=[member_user.member.pk]))

    one, roster, edit = events(AuditAction.ID_NUMBER_VIEWED)
    assert one.detail == {"members": [member_user.member.pk], "count": 1} and one.organization_id == branch.pk
    assert sorted(roster.detail["members"]) == sorted([secretary.member.pk, member_user.member.pk])
    assert edit.target_id == str(member_user.member.pk)


# --- Exports ------------------------------------------------------------------------------------------------------


def test_it_logs_a_roster_export_with_its_scope_and_row_count(client, secretary, member_user, branch):
    client.force_login(secretary)

    response = client.get(reverse("branches:roster_export", args=[branch.pk]))

    assert response.status_code == 200
    [event] = events(AuditAction.EXPORTED)
    assert event.actor_id == secretary.pk and event.organization_id == branch.pk
    assert event.detail == {"export": "roster", "scope": branch.name, "rows": 2, "full_id": False}


def test_it_logs_an_admin_export(client, administrator, secretary, member_user):
    client.force_login(administrator)

    response = client.get(reverse("admin:branches_member_export"))

    assert response.status_code == 200
    [event] = events(AuditAction.EXPORTED)
    assert event.detail["export"] == "admin:branches.member" and event.detail["rows"] == 2
    assert "full_id" in event.detail


# --- The Django admin ---------------------------------------------------------------------------------------------


def test_it_logs_admin_changes_and_every_deletion_of_a_bulk_delete(client, administrator, branch):
    groups = [PartyGroupFactory(organization=branch, name=f"第{i}党小组") for i in (1, 2, 3)]
    client.force_login(administrator)

    client.post(
        reverse("admin:branches_partygroup_change", args=[groups[0].pk]),
        {"organization": branch.pk, "name": "第一党小组（改）", "leader": "", "established_on": "2020-01-01"},
    )
    client.post(
        reverse("admin:branches_partygroup_changelist"),
        {"action": "delete_selected", "_selected_action": [g.pk for g in groups[1:]], "post": "yes"},
    )

    assert not PartyGroup.objects.filter(pk__in=[g.pk for g in groups[1:]]).exists()
    [changed] = events(AuditAction.ADMIN_CHANGED)
    assert changed.organization_id == branch.pk and changed.detail["model"] == "branches.partygroup"
    deleted = events(AuditAction.ADMIN_DELETED)
    assert sorted(e.detail["object_id"] for e in deleted) == sorted(str(g.pk) for g in groups[1:])
    assert {e.organization_id for e in deleted} == {branch.pk}


# --- Who reads the log --------------------------------------------------------------------------------------------


@pytest.fixture
def district_administrator(district):
    user = UserFactory(username="dc_admin", is_staff=True)
    give_role(user, district, RoleKind.ADMINISTRATOR)
    enrol_totp(user)
    return user


def test_it_shows_an_administrator_the_events_of_their_scope_only(
    client, district_administrator, secretary, other_branch_secretary, branch, other_branch
):
    audit_record(actor=secretary, action=AuditAction.LOGIN, organization_id=branch.pk)
    audit_record(actor=other_branch_secretary, action=AuditAction.LOGIN, organization_id=other_branch.pk)
    client.force_login(district_administrator)

    response = client.get(reverse("branches:audit_log"))

    assert response.status_code == 200
    names = [event.actor_name for event in response.context["page"]]
    assert "secretary" in names and "other_secretary" not in names


def test_it_exports_the_log_as_xlsx_and_logs_the_export(client, district_administrator, secretary, branch):
    audit_record(actor=secretary, action=AuditAction.LOGIN, organization_id=branch.pk)
    client.force_login(district_administrator)

    response = client.get(reverse("branches:audit_log") + "?action=login&export=xlsx")

    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "操作人", "事件")
    assert [row[1:3] for row in rows[1:] if row[1] == "secretary"] == [("secretary", "登录")]
    assert {row[2] for row in rows[1:]} == {"登录"}  # the filter applies to the export
    [export] = events(AuditAction.EXPORTED)
    assert export.detail["export"] == "audit_log" and export.detail["rows"] == len(rows) - 1


@pytest.mark.parametrize("persona", ["secretary", "member_user", "district_officer"])
def test_it_keeps_the_log_from_everybody_but_administrators(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("branches:audit_log")).status_code == 403


def test_it_lists_the_log_in_a_fixed_number_of_queries(
    client, district_administrator, secretary, branch, django_assert_max_num_queries
):
    for _i in range(60):
        audit_record(actor=secretary, action=AuditAction.LOGIN, organization_id=branch.pk)
    client.force_login(district_administrator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("branches:audit_log"))
    assert len(response.context["page"]) == 50
