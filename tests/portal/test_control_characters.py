"""NUL and other control characters in a URL or a form field: a 400, never a 500 (PostgreSQL refuses NUL).

Run it on PostgreSQL too: DATABASE_URL=postgres://…/<name> .venv/bin/pytest tests/portal/test_control_characters.py
"""

from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_refuses_a_nul_in_a_query_string(client, district_officer):
    client.force_login(district_officer)
    assert client.get("/tree/?q=%00").status_code == 400
    assert client.get("/tree/?q=abc%01def").status_code == 400
    assert client.get("/tree/?q%00=1").status_code == 400  # in a name too
    assert client.get("/tree/?q=%E5%85%9A%E5%A7%94").status_code == 200  # ordinary text passes


def test_it_refuses_tab_and_newline_in_a_query_string_but_not_in_a_form_body(client, secretary, branch):
    client.force_login(secretary)
    assert client.get("/tree/?q=a%09b").status_code == 400

    response = client.post(
        reverse("branches:group_create", args=[branch.pk]), {"name": "第一\t党小组\r\n", "leader": ""}
    )
    assert response.status_code in (200, 302)


def test_it_refuses_a_nul_in_a_form_body_and_in_a_path(client, secretary, branch):
    client.force_login(secretary)
    response = client.post(reverse("branches:group_create", args=[branch.pk]), {"name": "第一\x00党小组"})
    assert response.status_code == 400
    assert "请求有误" in response.text
    assert client.get("/orgs/%00/").status_code == 400


class _GetForms(HTMLParser):
    """The GET forms of a page: their action and the names of their fields."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, list[str]]] = []
        self._current: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self._current = (attrs.get("action") or "", [])
            self.forms.append(self._current)
        elif tag in ("input", "select", "textarea") and self._current is not None and attrs.get("name"):
            self._current[1].append(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def get_forms(html: str) -> list[tuple[str, list[str]]]:
    parser = _GetForms()
    parser.feed(html)
    return parser.forms


def _pages(world) -> list[tuple[str, str]]:
    branch, committee = world["branch"], world["committee"]
    return [
        ("district_officer", reverse("branches:organization_tree")),
        ("secretary", reverse("branches:organization_detail", args=[branch.pk])),
        ("administrator", reverse("branches:audit_log")),
        ("district_officer", reverse("reviews:dashboard", args=[committee.pk])),
        ("district_officer", reverse("reviews:circular", args=[committee.pk])),
        ("member_user", reverse("study:material_list")),
        ("district_officer", reverse("study:plan_filing_status", args=[committee.pk])),
    ]


@pytest.fixture
def world(branch, committee, secretary, member_user, district_officer, administrator):
    return {"branch": branch, "committee": committee}


def test_it_finds_a_get_form_on_each_page_it_fuzzes(client, request, world):
    for persona, url in _pages(world):
        client.force_login(request.getfixturevalue(persona))
        response = client.get(url)
        assert response.status_code == 200, url
        assert any(names for _action, names in get_forms(response.text)), url


@pytest.mark.parametrize("payload", ["\x00", "a\x00b", "\x1b[2J", "\x7f\x00"])
def test_it_never_answers_a_search_box_with_a_server_error(client, request, world, payload):
    """Every field of every GET form (search boxes, filters) with a control character: 4xx, never 5xx."""
    for persona, url in _pages(world):
        client.force_login(request.getfixturevalue(persona))
        for action, names in get_forms(client.get(url).text):
            target = action or url
            for name in [*names, None]:
                params = {n: payload for n in names} if name is None else {name: payload}
                response = client.get(f"{target}?{urlencode(params)}")
                assert response.status_code < 500, (target, params, response.status_code)
                assert response.status_code == 400, (target, params, response.status_code)
