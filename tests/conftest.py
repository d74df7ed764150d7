"""Personas and the small tree most tests use.

city ─┬─ district ─┬─ committee ─┬─ branch (secretary, member)
      │            │             └─ sibling_branch
      └─ other_district ── other_branch (other_branch_secretary)
"""

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache

from branches.models import OrganizationKind, RoleKind
from tests.factories import (
    BranchFactory,
    CityFactory,
    MemberFactory,
    OrganizationFactory,
    UserFactory,
    give_role,
)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: what one test cached (the dashboard's roll-up sums, keyed by ids
    that SQLite hands out again after the rollback) must not be read by the next."""
    cache.clear()


@pytest.fixture
def city(db):
    return CityFactory(name="北京市委", code="BJ")


@pytest.fixture
def district(city):
    return OrganizationFactory(name="东城区委", code="BJ-DC", kind=OrganizationKind.DISTRICT_COMMITTEE, parent=city)


@pytest.fixture
def other_district(city):
    return OrganizationFactory(name="西城区委", code="BJ-XC", kind=OrganizationKind.DISTRICT_COMMITTEE, parent=city)


@pytest.fixture
def committee(district):
    return OrganizationFactory(
        name="东城区教育系统党委", code="BJ-DC-EDU", kind=OrganizationKind.PRIMARY_COMMITTEE, parent=district
    )


@pytest.fixture
def branch(committee):
    return BranchFactory(name="第一党支部", code="BJ-DC-EDU-01", parent=committee)


@pytest.fixture
def sibling_branch(committee):
    return BranchFactory(name="第二党支部", code="BJ-DC-EDU-02", parent=committee)


@pytest.fixture
def other_branch(other_district):
    return BranchFactory(name="西城第一党支部", code="BJ-XC-01", parent=other_district)


@pytest.fixture
def secretary(branch):
    user = UserFactory(username="secretary", first_name="王书记")
    give_role(user, branch, RoleKind.SECRETARY)
    MemberFactory(organization=branch, name="王书记", user=user)
    return user


@pytest.fixture
def other_branch_secretary(other_branch):
    user = UserFactory(username="other_secretary", first_name="赵书记")
    give_role(user, other_branch, RoleKind.SECRETARY)
    return user


@pytest.fixture
def member_user(branch):
    user = UserFactory(username="member", first_name="李党员")
    MemberFactory(organization=branch, name="李党员", user=user)
    return user


@pytest.fixture
def district_officer(district):
    user = UserFactory(username="officer", first_name="张干事")
    give_role(user, district, RoleKind.OFFICER)
    enrol_totp(user)
    return user


@pytest.fixture
def administrator(city):
    user = UserFactory(username="admin", first_name="管理员", is_staff=True)
    give_role(user, city, RoleKind.ADMINISTRATOR)
    enrol_totp(user)
    return user


def enrol_totp(user):
    """Officers and administrators must have TOTP; tests that are not about login enrol it directly."""
    return Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "not-used"})


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the default language: a page rendered in English must not leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
