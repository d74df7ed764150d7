"""The 星级评定 rubrics in the Django admin: a version in force is read-only, a new one starts after today, a
district administrator keeps only the rubrics of their scope; the ratings are read-only."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import RoleKind
from reviews.ratings.models import RatingRubric
from tests.conftest import enrol_totp
from tests.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db


def staff(organization, username):
    user = UserFactory(username=username, is_staff=True)
    give_role(user, organization, RoleKind.ADMINISTRATOR)  # the role grant gives the administrators' rights
    enrol_totp(user)
    return user


@pytest.fixture
def city_admin(city):
    return staff(city, "city_admin")


@pytest.fixture
def district_admin(district):
    return staff(district, "district_admin")


def form_data(**overrides):
    data = {
        "name": "东城区星级评定标准",
        "organization": "",
        "source": "区委文件",
        "effective_from": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "items": json.dumps({"compliance": 60, "problems": 40}),
        "thresholds": json.dumps([0, 50, 60, 70, 80]),
    }
    return data | overrides


def test_the_default_rubric_in_force_is_read_only(client, city_admin):
    rubric = RatingRubric.objects.get(organization=None)
    client.force_login(city_admin)
    url = reverse("admin:reviews_ratingrubric_change", args=[rubric.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="items"' not in page.content.decode()  # shown, not editable
    client.post(url, form_data(name="改写"))
    rubric.refresh_from_db()
    assert rubric.name != "改写"
    assert client.post(reverse("admin:reviews_ratingrubric_delete", args=[rubric.pk]), {"post": "yes"}).status_code in (
        403,
        302,
    )
    assert RatingRubric.objects.filter(pk=rubric.pk).exists()


def test_a_new_version_must_start_after_today_and_add_up_to_100(client, city_admin):
    client.force_login(city_admin)
    url = reverse("admin:reviews_ratingrubric_add")
    response = client.post(url, form_data(effective_from=timezone.localdate().isoformat()))
    assert response.status_code == 200
    assert "生效日期须晚于今天" in response.content.decode()
    response = client.post(url, form_data(items=json.dumps({"compliance": 50})))
    assert "合计须为100分" in response.content.decode()
    assert RatingRubric.objects.count() == 1
    response = client.post(url, form_data())
    assert response.status_code == 302
    assert RatingRubric.objects.count() == 2


def test_a_district_administrator_keeps_only_its_own_rubrics(client, district_admin, district, other_district):
    client.force_login(district_admin)
    url = reverse("admin:reviews_ratingrubric_add")
    response = client.post(url, form_data())
    assert "只有市级系统管理员可以设置全市适用的评定标准" in response.content.decode()
    response = client.post(url, form_data(organization=other_district.pk))
    assert response.status_code == 200 and not RatingRubric.objects.filter(organization=other_district).exists()
    assert client.post(url, form_data(organization=district.pk)).status_code == 302
    foreign = RatingRubric.objects.create(
        name="西城标准",
        organization=other_district,
        source="x",
        effective_from=timezone.localdate() + datetime.timedelta(days=5),
        items={"compliance": 100},
        thresholds=[0, 1, 2, 3, 4],
    )
    assert client.get(reverse("admin:reviews_ratingrubric_change", args=[foreign.pk])).status_code == 404
    listing = client.get(reverse("admin:reviews_ratingrubric_changelist")).content.decode()
    assert "西城标准" not in listing and "东城区星级评定标准" in listing
