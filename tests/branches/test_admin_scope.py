"""The Django admin holds the scope: every add/change form of every registered model, with foreign ids in the body.

The roles are made staff with every permission of the portal's apps, so that the scope (not a missing
permission) is what refuses: an administrator of 东城区委, an officer of the district's 教育系统党委, the secretary
of its first branch and a member of it. Foreign objects live in 西城区委 (and the 市委 above both).
"""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import ForeignKey, ManyToManyField
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.test import RequestFactory
from django.urls import reverse

from activities.models import Meeting
from branches import services
from branches.models import Member, Organization, PartyGroup, Role, RoleKind, User
from notifications.models import Notification
from reviews.models import RuleSet
from tests.activities.test_meeting_reminders import held
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, PartyGroupFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

PORTAL_APPS = ("branches", "study", "activities", "reviews", "notifications")
OUT_OF_SCOPE = "所选的对象不存在或不在您的管理范围内"
ROLES = ("district_administrator", "committee_officer", "secretary", "member")


def staff_with_every_permission(user: User) -> User:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=PORTAL_APPS))
    enrol_totp(user)
    return User.objects.get(pk=user.pk)  # no cached permissions


@pytest.fixture
def world(city, district, other_district, committee, branch, other_branch):
    """One object of each kind inside 东城 and one in 西城, and the four roles."""
    district_administrator = UserFactory(username="dc_admin", first_name="区管理员")
    services.role_assign(user=district_administrator, organization=district, kind=RoleKind.ADMINISTRATOR)
    committee_officer = UserFactory(username="edu_officer", first_name="教育干事")
    give_role(committee_officer, committee, RoleKind.OFFICER)
    secretary = UserFactory(username="dc_secretary", first_name="王书记")
    give_role(secretary, branch, RoleKind.SECRETARY)
    MemberFactory(organization=branch, name="王书记", user=secretary)
    member_user = UserFactory(username="dc_member", first_name="李党员")
    MemberFactory(organization=branch, name="李党员", user=member_user)

    other_officer = UserFactory(username="xc_officer", first_name="西城干事")
    give_role(other_officer, other_district, RoleKind.OFFICER)
    other_member = MemberFactory(organization=other_branch, name="西城党员", user=other_officer)
    other_group = PartyGroupFactory(organization=other_branch, name="西城第一党小组", leader=other_member)
    own_group = PartyGroupFactory(organization=branch, name="第一党小组")
    own_member = MemberFactory(organization=branch, name="张党员", group=own_group)
    own_role_holder = UserFactory(username="dc_committee", first_name="支委")
    own_role = give_role(own_role_holder, branch, RoleKind.COMMITTEE_MEMBER)
    own_rule_set = RuleSet.objects.create(name="东城区补充规定", code="dc-extra", organization=district)
    other_rule_set = RuleSet.objects.create(name="西城区补充规定", code="xc-extra", organization=other_district)
    own_meeting = held(branch, secretary, days_ago=3, topic="东城的党课")
    other_meeting = held(other_branch, other_officer, days_ago=3, topic="西城的党课")
    own_notification = Notification.objects.create(recipient=member_user, title="东城的提醒")
    other_notification = Notification.objects.create(recipient=other_officer, title="西城的提醒")

    users = {
        "district_administrator": district_administrator,
        "committee_officer": committee_officer,
        "secretary": secretary,
        "member": member_user,
    }
    return {
        "users": {name: staff_with_every_permission(user) for name, user in users.items()},
        # The object a foreign id points at, for each model a form field may point at.
        "foreign": {
            Organization: other_branch,
            User: other_officer,
            Member: other_member,
            PartyGroup: other_group,
            Role: other_officer.roles.get(),
            RuleSet: other_rule_set,
            Meeting: other_meeting,
            Notification: other_notification,
        },
        "own": {
            Organization: branch,
            User: member_user,
            Member: own_member,
            PartyGroup: own_group,
            Role: own_role,
            RuleSet: own_rule_set,
            Meeting: own_meeting,
            Notification: own_notification,
        },
        "city": city,
        "district": district,
        "branch": branch,
    }


def portal_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PORTAL_APPS
    ]


def admin_request(user: User):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model, _admin in portal_admins()} | {
        "branches.Role": Role.objects.count()
    }


def form_value(value):
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [getattr(item, "pk", item) for item in value]
    return getattr(value, "pk", value)


def post_body(model_admin, user: User, obj) -> tuple[dict, dict]:
    """The form's own values (the object's, or empty for an add form) and its model-choice fields.

    Where the admin lets the user neither add nor change (or does not show the object), every foreign key of
    the model: the POST must then be refused outright.
    """
    request = admin_request(user)
    if obj is None:
        allowed = model_admin.has_add_permission(request)
    else:
        visible = model_admin.get_queryset(request).filter(pk=obj.pk).exists()
        allowed = visible and model_admin.has_change_permission(request, obj)
    if not allowed:
        relations = [f for f in model_admin.model._meta.get_fields() if isinstance(f, ForeignKey | ManyToManyField)]
        return {}, {f.name: f.related_model for f in relations if f.concrete}
    form_class = model_admin.get_form(request, obj, change=obj is not None)
    form = form_class(instance=obj)
    data = {}
    for name in form.fields:
        value = form_value(form[name].value())
        if value is not None:
            data[name] = value
    for formset, _inline in model_admin.get_formsets_with_inlines(request, obj):
        prefix = formset.get_default_prefix()
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    choice_fields = {
        name: field.queryset.model
        for name, field in form.fields.items()
        if isinstance(field, ModelChoiceField | ModelMultipleChoiceField)
    }
    return data, choice_fields


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def assert_refused(response, field: str) -> None:
    """200 with the field's error (the form refused the id) or 403/404; never a 400 that proves nothing."""
    assert response.status_code in (200, 403, 404), (response.status_code, response.request["PATH_INFO"], field)
    if response.status_code == 200:
        form = response.context["adminform"].form
        assert field in form.errors, (field, form.errors)
        assert OUT_OF_SCOPE in str(form.errors[field])


def fk_values(obj) -> dict:
    fields = [f for f in type(obj)._meta.get_fields() if isinstance(f, ForeignKey)]
    values = {f.attname: getattr(obj, f.attname) for f in fields}
    values |= {
        f.name: sorted(getattr(obj, f.name).values_list("pk", flat=True))
        for f in type(obj)._meta.get_fields()
        if isinstance(f, ManyToManyField)
    }
    return values


@pytest.mark.parametrize("role", ROLES)
def test_it_refuses_every_foreign_id_in_every_admin_form(client, world, role):
    user = world["users"][role]
    client.force_login(user)
    checked = form_refusals = 0
    for model, model_admin in portal_admins():
        targets = [None]
        if model in world["own"]:
            targets.append(world["own"][model])
        for obj in targets:
            url = admin_url(model, "add") if obj is None else admin_url(model, "change", obj.pk)
            base, choice_fields = post_body(model_admin, user, obj)
            for field, related_model in choice_fields.items():
                if base:  # a form the user may submit: its field must meet a real foreign object
                    assert related_model in world["foreign"], f"no foreign {related_model.__name__}: {model}.{field}"
                foreign_pk = getattr(world["foreign"].get(related_model), "pk", 1)
                body = base | {field: [foreign_pk] if isinstance(base.get(field), list) else foreign_pk}
                before = row_counts()
                stored = fk_values(obj) if obj is not None else None

                response = client.post(url, body)

                assert_refused(response, field)
                form_refusals += response.status_code == 200
                assert row_counts() == before, (model, field)
                if obj is not None:
                    obj.refresh_from_db()
                    assert fk_values(obj) == stored, (model, field)
                checked += 1
    assert checked >= 30
    if role == "district_administrator":
        # The forms themselves refused: PartyGroup (organisation, leader), Member (group, user), Role (user,
        # organisation) add and change, RuleSet, Rule.
        assert form_refusals >= 10


@pytest.mark.parametrize("role", ROLES)
def test_it_answers_404_for_every_foreign_object_in_the_admin(client, world, role):
    client.force_login(world["users"][role])
    for model, model_admin in portal_admins():
        foreign = world["foreign"].get(model)
        if foreign is None:
            continue
        body, _choices = post_body(model_admin, world["users"]["district_administrator"], None)
        assert client.get(admin_url(model, "change", foreign.pk)).status_code == 404, model
        assert client.post(admin_url(model, "change", foreign.pk), body).status_code in (403, 404), model
        assert client.get(admin_url(model, "history", foreign.pk)).status_code == 404, model
        assert client.get(admin_url(model, "delete", foreign.pk)).status_code in (403, 404), model
        content_type = ContentType.objects.get_for_model(model)
        shortcut = client.get(f"/admin/r/{content_type.pk}/{foreign.pk}/")
        assert shortcut.status_code == 404, model
    assert world["foreign"][Meeting].pk in Meeting.objects.values_list("pk", flat=True)


def test_view_on_site_still_opens_an_object_in_scope(client, world):
    client.force_login(world["users"]["district_administrator"])
    branch = world["branch"]
    content_type = ContentType.objects.get_for_model(Organization)

    response = client.get(f"/admin/r/{content_type.pk}/{branch.pk}/")

    assert response.status_code == 302 and response["Location"].endswith(branch.get_absolute_url())


@pytest.mark.parametrize("role", ROLES)
def test_the_autocomplete_offers_no_foreign_account(client, world, role):
    client.force_login(world["users"][role])
    response = client.get(
        reverse("admin:autocomplete"), {"app_label": "branches", "model_name": "role", "field_name": "user", "term": ""}
    )

    assert response.status_code == 200
    ids = {int(result["id"]) for result in response.json()["results"]}
    assert world["foreign"][User].pk not in ids
    assert ids <= set(User.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if role == "district_administrator":
        assert world["own"][User].pk in ids  # in-scope accounts are offered: the check is not vacuous


def test_a_district_administrator_cannot_make_themselves_administrator_of_the_city(client, world):
    """The exploit of issue 10: POST /admin/branches/role/add/ user=self, organization=市委, kind=administrator."""
    user = world["users"]["district_administrator"]
    client.force_login(user)
    roles = Role.objects.count()

    response = client.post(
        reverse("admin:branches_role_add"),
        {"user": user.pk, "organization": world["city"].pk, "kind": RoleKind.ADMINISTRATOR},
    )

    assert response.status_code == 200
    assert OUT_OF_SCOPE in str(response.context["adminform"].form.errors["organization"])
    assert Role.objects.count() == roles
    assert not user.roles.filter(organization=world["city"]).exists()


def test_a_district_administrator_cannot_grant_roles_on_the_city_through_the_organisation_inline(client, world):
    user = world["users"]["district_administrator"]
    client.force_login(user)
    roles = Role.objects.count()
    city = world["city"]

    response = client.post(
        reverse("admin:branches_organization_change", args=[city.pk]),
        {
            "name": city.name,
            "roles-TOTAL_FORMS": 1,
            "roles-INITIAL_FORMS": 0,
            "roles-0-user": user.pk,
            "roles-0-kind": RoleKind.ADMINISTRATOR,
        },
    )

    assert response.status_code == 404
    assert Role.objects.count() == roles


def test_nobody_grants_a_role_to_themselves_or_above_their_own_kind(client, world):
    district = world["district"]
    administrator = world["users"]["district_administrator"]
    officer = world["users"]["committee_officer"]
    roles = Role.objects.count()

    client.force_login(administrator)
    to_self = client.post(
        reverse("admin:branches_role_add"),
        {"user": administrator.pk, "organization": world["branch"].pk, "kind": RoleKind.SECRETARY},
    )
    client.force_login(officer)
    above_own = client.post(
        reverse("admin:branches_role_add"),
        {"user": world["own"][User].pk, "organization": world["branch"].pk, "kind": RoleKind.ADMINISTRATOR},
    )
    own_role = client.post(
        reverse("admin:branches_role_change", args=[officer.roles.get().pk]),
        {"user": officer.pk, "organization": district.pk, "kind": RoleKind.OFFICER},
    )

    assert to_self.status_code == 200 and "不能高于您本人的职务" in to_self.text
    assert above_own.status_code == 200 and "kind" in above_own.context["adminform"].form.errors
    assert own_role.status_code == 403
    assert Role.objects.count() == roles
    assert officer.roles.get().organization != district


def test_a_district_administrator_grants_a_role_inside_their_scope(client, world):
    """The legitimate grant still works (so the refusals above are about the scope, not a broken form)."""
    administrator = world["users"]["district_administrator"]
    client.force_login(administrator)
    grantee = world["own"][User]

    response = client.post(
        reverse("admin:branches_role_add"),
        {"user": grantee.pk, "organization": world["branch"].pk, "kind": RoleKind.ORGANIZER},
    )

    assert response.status_code == 302
    assert grantee.roles.filter(organization=world["branch"], kind=RoleKind.ORGANIZER).exists()


def test_a_district_administrator_cannot_take_over_a_stronger_account(client, world, city):
    """The 市委's administrator holding a seat in a 东城 branch is visible, but not changeable, to 东城's."""
    city_admin = UserFactory(username="city_admin", first_name="市管理员")
    services.role_assign(user=city_admin, organization=city, kind=RoleKind.ADMINISTRATOR)
    give_role(city_admin, world["branch"], RoleKind.COMMITTEE_MEMBER)
    client.force_login(world["users"]["district_administrator"])

    password = client.post(
        reverse("admin:auth_user_password_change", args=[city_admin.pk]),
        {"password1": "N3w-pa55word!x", "password2": "N3w-pa55word!x"},
    )

    assert password.status_code == 403
    city_admin.refresh_from_db()
    assert city_admin.check_password("N3w-pa55word!x") is False
