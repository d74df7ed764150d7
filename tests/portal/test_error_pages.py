"""The portal's own 400/403/404/500 pages, and no link on a member's pages that answers 404 for them."""

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_it_answers_an_unknown_page_with_the_chinese_404_in_the_portal_layout(client, member_user):
    client.force_login(member_user)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "页面不存在" in response.text and "portal-navbar" in response.text
    assert "Not Found" not in response.text


def test_it_answers_a_forbidden_action_with_the_chinese_403(client, member_user):
    client.force_login(member_user)

    response = client.get(reverse("branches:audit_log"))

    assert response.status_code == 403
    assert "没有权限" in response.text and "portal-navbar" in response.text


def test_it_answers_a_control_character_with_the_chinese_400(client):
    response = client.get("/tree/?q=%00")

    assert response.status_code == 400
    assert "请求有误" in response.text and "portal-navbar" in response.text


def test_it_renders_the_500_page_without_touching_the_database():
    request = RequestFactory().get("/")
    with CaptureQueriesContext(connection) as queries:
        response = defaults.server_error(request)

    assert response.status_code == 500
    assert "服务器出错了" in response.content.decode() and "portal-navbar" in response.content.decode()
    assert len(queries) == 0


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith("/") and not href.startswith("/static/"):
            self.hrefs.append(href)


def links_on(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


@pytest.fixture
def member_world(branch, secretary, member_user, committee):
    """What a member's pages show: a branch with a committee, a meeting coming up, a talk, materials from above."""
    import datetime

    from django.utils import timezone

    from activities.meetings import services as meeting_services
    from activities.models import MeetingKind
    from activities.talks import services as talk_services
    from branches.models import RoleKind
    from study.materials import services as material_services
    from study.models import MaterialCategory
    from tests.factories import MemberFactory, UserFactory, give_role

    organiser = UserFactory(username="organiser", first_name="组织委员")
    give_role(organiser, branch, RoleKind.ORGANIZER)
    MemberFactory(organization=branch, name="组织委员", user=organiser)
    MemberFactory(organization=branch, name="普通党员")
    starts = timezone.now() + datetime.timedelta(days=3)
    meeting_services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.THEME_DAY,
        topic="重温入党誓词",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        location="三楼会议室",
    )
    talk_services.heart_talk_record(
        organization=branch,
        initiator=secretary.member,
        counterpart=member_user.member,
        held_on=timezone.localdate(),
        summary="谈学习体会。",
        recorded_by=secretary,
    )
    material_services.material_publish(
        organization=committee,
        published_by=None,
        title="党章学习辅导",
        category=MaterialCategory.values[0],
        body="正文",
    )
    return {"organiser": organiser}


MEMBER_PAGES = ["home", "study:my_study", "activities:my_meetings", "study:material_list"]


def test_it_links_a_member_to_nothing_that_answers_404_for_them(client, member_world, member_user):
    client.force_login(member_user)
    pages = [reverse(name) for name in MEMBER_PAGES] + [member_user.member.get_absolute_url()]
    seen: set[str] = set()
    broken: list[tuple[str, str, int]] = []
    queue = [(page, "start") for page in pages]
    while queue and len(seen) < 80:
        url, found_on = queue.pop(0)
        path = url.split("#")[0]
        if path in seen or path.startswith(("/accounts/logout", "/admin/", "/i18n/")):
            continue
        seen.add(path)
        response = client.get(path, follow=True)
        if response.status_code == 404:
            broken.append((path, found_on, 404))
            continue
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            depth = found_on.count(">")
            if depth < 2:
                queue.extend((href, f"{found_on}>{path}") for href in links_on(response.text))

    assert broken == [], broken
    assert len(seen) > 5
