import datetime
import itertools

import factory

from branches import idnumbers, services
from branches.models import (
    Gender,
    Member,
    MembershipType,
    Organization,
    OrganizationCategory,
    OrganizationKind,
    PartyGroup,
    Role,
    RoleKind,
    User,
)

_sequence = itertools.count(1)


def new_id_number(birth_date: datetime.date = datetime.date(1985, 6, 1)) -> str:
    n = next(_sequence)
    return idnumbers.compose(region="110105", birth_date=birth_date + datetime.timedelta(days=n // 1000), sequence=n)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password = factory.django.Password("pass-1234-word")


class OrganizationFactory(factory.Factory):
    """Organisations are created through the service, which sets the tree path."""

    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"第{n}党支部")
    code = factory.Sequence(lambda n: f"ORG{n:06d}")
    kind = OrganizationKind.BRANCH
    category = OrganizationCategory.GOVERNMENT
    # Founded long ago unless a test says otherwise: one created in the portal without a 成立日期 owes its
    # obligations only from the day it was created (reviews.compliance.rules.obligations_start).
    established_on = datetime.date(2000, 1, 1)
    parent = None

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None and kwargs["kind"] != OrganizationKind.MUNICIPAL_COMMITTEE:
            parent = DistrictFactory() if kwargs["kind"] == OrganizationKind.BRANCH else CityFactory()
        return services.organization_create(parent=parent, **kwargs)


class CityFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"市委{n}")
    kind = OrganizationKind.MUNICIPAL_COMMITTEE


class DistrictFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"区委{n}")
    kind = OrganizationKind.DISTRICT_COMMITTEE
    parent = factory.SubFactory(CityFactory)


class BranchFactory(OrganizationFactory):
    kind = OrganizationKind.BRANCH


class PartyGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyGroup

    organization = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"第{n}党小组")


class MemberFactory(factory.Factory):
    class Meta:
        model = Member

    organization = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"党员{n}")
    gender = Gender.MALE
    joined_on = datetime.date(2010, 7, 1)
    full_member_on = datetime.date(2011, 7, 1)
    membership_type = MembershipType.FULL

    @classmethod
    def _create(cls, model_class, *args, organization, id_number=None, **kwargs):
        # In the branch since joining the Party unless a test says otherwise (meetings in the past expect them).
        kwargs.setdefault("started_on", kwargs["joined_on"])
        return services.member_create(organization=organization, id_number=id_number or new_id_number(), **kwargs)


def give_role(user: User, organization: Organization, kind: str = RoleKind.SECRETARY) -> Role:
    return services.role_assign(user=user, organization=organization, kind=kind)
