import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_shows_the_branch_roster_to_its_secretary(client, secretary, branch):
    client.force_login(secretary)
    response = client.get(reverse("branches:organization_detail", args=[branch.pk]))
    assert response.status_code == 200
    assert "王书记" in response.text


def test_it_sends_officers_to_the_tree(client, district_officer, branch):
    client.force_login(district_officer)
    response = client.get(reverse("home"), follow=True)
    assert response.request["PATH_INFO"] == reverse("branches:organization_tree")
    assert "东城区委" in response.text
