"""QR sign-in: the printable QR page for the meeting's managers, and scanning it (confirm on GET, sign in on POST)."""

import datetime
import re
from urllib.parse import quote

import pytest
import qrcode
import qrcode.image.svg
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activities.meetings import services as services
from activities.models import Attendance, AttendanceStatus, MeetingKind
from activities.signin import services as signin_services
from branches.models import RoleKind
from tests.factories import MemberFactory, PartyGroupFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db


def meeting_at(organization, created_by, *, starts_in: datetime.timedelta, hours: int = 2, **fields):
    starts = timezone.now() + starts_in
    fields.setdefault("kind", MeetingKind.THEME_DAY)
    fields.setdefault("topic", "重温入党誓词")
    return services.meeting_create(
        organization=organization,
        created_by=created_by,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=hours),
        location="三楼会议室",
        **fields,
    )


@pytest.fixture
def current_meeting(branch, secretary, branch_members):
    """A 主题党日 that started ten minutes ago: its code is valid now."""
    return meeting_at(branch, secretary, starts_in=-datetime.timedelta(minutes=10))


def sign_in_url(meeting) -> str:
    return reverse("activities:sign_in", args=[signin_services.sign_in_token(meeting)])


def qr_url(meeting) -> str:
    return reverse("activities:meeting_qr", args=[meeting.pk])


def qr_svg_url(meeting) -> str:
    return reverse("activities:meeting_qr_svg", args=[meeting.pk])


# Scanning ------------------------------------------------------------------------------------------------------


def test_it_sends_an_anonymous_scan_to_the_login_page_and_back(client, current_meeting, member_user):
    url = sign_in_url(current_meeting)

    response = client.get(url)

    assert response.status_code == 302
    login = reverse("account_login")
    assert response.url == f"{login}?next={quote(url)}"
    assert client.get(response.url).status_code == 200
    logged_in = client.post(response.url, {"login": "member", "password": "pass-1234-word"})
    assert logged_in.status_code == 302
    assert logged_in.url == url
    assert "确认签到" in client.get(url).content.decode()


def test_it_shows_a_confirm_button_and_changes_nothing_on_get(client, current_meeting, member_user):
    client.force_login(member_user)

    response = client.get(sign_in_url(current_meeting))

    content = response.content.decode()
    assert response.status_code == 200
    assert "确认签到" in content and 'method="post"' in content
    assert "重温入党誓词" in content and "三楼会议室" in content
    assert not Attendance.objects.filter(meeting=current_meeting).exists()


def test_it_signs_the_member_in_on_post(client, current_meeting, member_user):
    client.force_login(member_user)
    before = current_meeting.version

    response = client.post(sign_in_url(current_meeting))

    content = response.content.decode()
    assert response.status_code == 200
    assert "签到成功" in content and "已记为出席" in content
    attendance = Attendance.objects.get(meeting=current_meeting, member=member_user.member)
    assert attendance.status == AttendanceStatus.PRESENT
    assert abs(attendance.signed_in_at - timezone.now()) < datetime.timedelta(minutes=1)
    current_meeting.refresh_from_db()
    assert current_meeting.version == before, "a scan leaves the secretary's open form valid"


def test_it_takes_a_second_scan_calmly(client, current_meeting, member_user):
    client.force_login(member_user)
    url = sign_in_url(current_meeting)
    client.post(url)
    first = Attendance.objects.get(meeting=current_meeting, member=member_user.member).signed_in_at

    again = client.post(url)
    scanned_again = client.get(url)

    assert again.status_code == 200
    assert "签到成功" in again.content.decode() and "无需重复签到" in again.content.decode()
    assert "无需重复签到" in scanned_again.content.decode()
    assert "确认签到" not in scanned_again.content.decode()
    assert Attendance.objects.filter(meeting=current_meeting, member=member_user.member).get().signed_in_at == first


def test_it_needs_the_csrf_token_to_sign_in(current_meeting, member_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member_user)

    response = client.post(sign_in_url(current_meeting))

    assert response.status_code == 403
    assert not Attendance.objects.filter(meeting=current_meeting).exists()


@pytest.mark.parametrize(
    "token",
    [
        "not-a-code",
        signing.dumps({"m": 1}, salt="some.other-salt", compress=True),
        signing.dumps({"meeting": 1}, salt=signin_services.SIGN_IN_SALT),
    ],
    ids=["garbage", "other-salt", "no-meeting"],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_refuses_a_code_the_portal_did_not_issue(client, current_meeting, member_user, token, method):
    client.force_login(member_user)

    response = getattr(client, method)(reverse("activities:sign_in", args=[token]))

    assert response.status_code == 400
    assert "二维码无效，请扫描会场展示的签到二维码。" in response.content.decode()
    assert not Attendance.objects.exists()


def test_it_refuses_a_code_rewritten_to_name_another_meeting(client, branch, secretary, current_meeting, member_user):
    other = meeting_at(branch, secretary, starts_in=-datetime.timedelta(minutes=5), topic="党课")
    payload, signature = signin_services.sign_in_token(current_meeting).rsplit(":", 1)
    other_payload = signin_services.sign_in_token(other).rsplit(":", 1)[0]
    assert other_payload != payload
    client.force_login(member_user)

    response = client.post(reverse("activities:sign_in", args=[f"{other_payload}:{signature}"]))

    assert response.status_code == 400
    assert "二维码无效" in response.content.decode()
    assert not Attendance.objects.exists()


def test_it_refuses_an_expired_code(client, past_meeting, member_user):
    client.force_login(member_user)

    response = client.post(sign_in_url(past_meeting))

    assert response.status_code == 403
    assert "签到二维码已过期（活动已结束）。" in response.content.decode()
    assert not Attendance.objects.filter(meeting=past_meeting).exists()


def test_it_refuses_a_code_before_the_window_opens(client, branch, secretary, member_user, branch_members):
    later = meeting_at(branch, secretary, starts_in=datetime.timedelta(hours=3))
    opens = timezone.localtime(signin_services.sign_in_window(later)[0]).strftime("%m-%d %H:%M")
    client.force_login(member_user)

    response = client.post(sign_in_url(later))

    assert response.status_code == 403
    assert f"签到尚未开始：{opens}起可以签到。" in response.content.decode()
    assert not Attendance.objects.filter(meeting=later).exists()


def test_it_opens_the_window_half_an_hour_before_the_start(client, branch, secretary, member_user, branch_members):
    soon = meeting_at(branch, secretary, starts_in=datetime.timedelta(minutes=20))
    client.force_login(member_user)

    response = client.post(sign_in_url(soon))

    assert "签到成功" in response.content.decode()


def test_it_refuses_a_filed_meeting(client, filed_meeting, member_user):
    client.force_login(member_user)

    response = client.post(sign_in_url(filed_meeting))

    assert response.status_code == 403
    assert "这次活动已归档，签到已结束。" in response.content.decode()
    assert Attendance.objects.get(meeting=filed_meeting, member=member_user.member).signed_in_at is None


def test_it_answers_a_member_of_another_branch_with_404_without_showing_the_meeting(
    client, current_meeting, sibling_branch
):
    user = UserFactory()
    MemberFactory(organization=sibling_branch, name="外支部党员", user=user)
    client.force_login(user)
    url = sign_in_url(current_meeting)

    scanned = client.get(url)
    posted = client.post(url)

    for response in (scanned, posted):
        content = response.content.decode()
        assert response.status_code == 404  # out of scope: 404, as for every object of another branch
        assert "签到二维码已失效，或您不是这次活动的应到人员。" in content
        assert "重温入党誓词" not in content and "三楼会议室" not in content
    assert not Attendance.objects.filter(meeting=current_meeting).exists()


def test_it_refuses_a_branch_member_outside_the_group_of_a_group_meeting(client, branch, secretary, member_user):
    group = PartyGroupFactory(organization=branch, name="第一党小组")
    MemberFactory(organization=branch, group=group, name="组员")
    meeting = meeting_at(
        branch, secretary, starts_in=-datetime.timedelta(minutes=5), kind=MeetingKind.GROUP_MEETING, group=group
    )
    client.force_login(member_user)

    response = client.post(sign_in_url(meeting))

    assert response.status_code == 403
    assert "您不是这次活动的应到人员" in response.content.decode()
    assert not Attendance.objects.filter(meeting=meeting).exists()


def test_it_signs_in_a_member_of_the_group(client, branch, secretary):
    group = PartyGroupFactory(organization=branch, name="第一党小组")
    user = UserFactory()
    MemberFactory(organization=branch, group=group, name="组员", user=user)
    meeting = meeting_at(
        branch, secretary, starts_in=-datetime.timedelta(minutes=5), kind=MeetingKind.GROUP_MEETING, group=group
    )
    client.force_login(user)

    response = client.post(sign_in_url(meeting))

    assert "签到成功" in response.content.decode()
    assert Attendance.objects.get(meeting=meeting).member == user.member


def test_it_refuses_a_user_without_a_member_record(client, current_meeting, branch):
    # An organiser of the branch sees the meeting (in scope) but has no member record to sign in with: 403.
    user = UserFactory()
    give_role(user, branch, RoleKind.ORGANIZER)
    client.force_login(user)
    url = sign_in_url(current_meeting)

    for response in (client.get(url), client.post(url)):
        assert response.status_code == 403
        assert "您的账号没有关联党员信息，不能签到。" in response.content.decode()
    assert not Attendance.objects.exists()


def test_it_answers_an_officer_of_another_district_with_404(client, current_meeting, other_branch_secretary):
    client.force_login(other_branch_secretary)  # no member record, and the meeting is outside their scope
    url = sign_in_url(current_meeting)

    for response in (client.get(url), client.post(url)):
        assert response.status_code == 404
        assert "重温入党誓词" not in response.content.decode()
    assert not Attendance.objects.exists()


def test_it_says_so_when_the_meeting_was_deleted(client, branch, secretary, member_user, branch_members):
    later = meeting_at(branch, secretary, starts_in=datetime.timedelta(days=3))
    url = sign_in_url(later)
    services.meeting_delete(meeting=later, version=later.version)
    client.force_login(member_user)

    response = client.post(url)

    assert response.status_code == 404  # the same answer as for another branch's meeting
    assert "签到二维码已失效，或您不是这次活动的应到人员。" in response.content.decode()


def test_it_turns_a_recorded_leave_into_presence_when_the_member_scans(client, current_meeting, secretary, member_user):
    meeting = services.attendance_record(
        meeting=current_meeting,
        version=current_meeting.version,
        entries={member_user.member.pk: services.AttendanceEntry(AttendanceStatus.LEAVE, "出差")},
        recorded_by=secretary,
    )
    client.force_login(member_user)

    client.post(sign_in_url(meeting))

    attendance = Attendance.objects.get(meeting=meeting, member=member_user.member)
    assert attendance.status == AttendanceStatus.PRESENT and attendance.leave_reason == ""
    assert attendance.signed_in_at is not None


# The QR page ---------------------------------------------------------------------------------------------------


def test_it_shows_the_secretary_a_printable_qr_of_the_absolute_sign_in_url(client, current_meeting, secretary):
    client.force_login(secretary)

    response = client.get(qr_url(current_meeting))

    content = response.content.decode()
    assert response.status_code == 200
    shown = re.search(r"http://testserver/sign-in/([^/\s]+)/", content)
    assert shown is not None
    assert signin_services.sign_in_meeting_id(shown.group(1)) == current_meeting.pk
    assert f'src="{qr_svg_url(current_meeting)}"' in content
    assert "activities/css/meeting_qr.css" in content
    assert "已扫码签到 0 人（应到 5 人）" in content
    assert "签到尚未开始" not in content and "已过期" not in content


def test_it_draws_the_qr_as_svg_on_the_server(client, current_meeting, secretary, monkeypatch):
    # The token carries a timestamp (signing.dumps): pin it so that the expected drawing is the same.
    monkeypatch.setattr(signin_services, "sign_in_token", lambda meeting: f"token-of-{meeting.pk}")
    client.force_login(secretary)

    response = client.get(qr_svg_url(current_meeting))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["X-Content-Type-Options"] == "nosniff"
    expected = qrcode.make(
        f"http://testserver/sign-in/token-of-{current_meeting.pk}/",
        image_factory=qrcode.image.svg.SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    ).to_string(encoding="unicode")
    assert response.content.decode() == expected
    assert "<script" not in expected


def test_it_counts_the_members_who_signed_in(client, current_meeting, secretary, branch_members):
    for member in branch_members[1:4]:
        signin_services.sign_in(meeting=current_meeting, member=member)
    client.force_login(secretary)

    response = client.get(qr_url(current_meeting))

    assert "已扫码签到 3 人（应到 5 人）" in response.content.decode()


def test_it_explains_on_the_qr_page_when_the_code_is_not_open_yet(client, branch, secretary, branch_members):
    later = meeting_at(branch, secretary, starts_in=datetime.timedelta(days=1))
    client.force_login(secretary)

    response = client.get(qr_url(later))

    assert "签到尚未开始" in response.content.decode()


def test_it_explains_on_the_qr_page_when_the_code_has_expired(client, past_meeting, secretary):
    client.force_login(secretary)

    assert "此二维码已过期" in client.get(qr_url(past_meeting)).content.decode()


def test_it_explains_on_the_qr_page_when_the_meeting_is_filed(client, filed_meeting, secretary):
    client.force_login(secretary)

    assert "这次活动已归档，签到已结束" in client.get(qr_url(filed_meeting)).content.decode()


def test_it_shows_the_qr_to_a_district_officer_above(client, current_meeting, district_officer):
    client.force_login(district_officer)

    assert client.get(qr_url(current_meeting)).status_code == 200
    assert client.get(qr_svg_url(current_meeting)).status_code == 200


def test_it_keeps_the_qr_from_a_member_who_may_only_look(client, current_meeting, member_user):
    client.force_login(member_user)

    assert client.get(qr_url(current_meeting)).status_code == 403
    assert client.get(qr_svg_url(current_meeting)).status_code == 403


def test_it_answers_404_for_the_qr_outside_the_scope(client, current_meeting, other_branch_secretary):
    client.force_login(other_branch_secretary)

    assert client.get(qr_url(current_meeting)).status_code == 404
    assert client.get(qr_svg_url(current_meeting)).status_code == 404


def test_it_asks_an_anonymous_visitor_to_log_in_for_the_qr(client, current_meeting):
    assert client.get(qr_url(current_meeting)).status_code == 302
    assert client.get(qr_svg_url(current_meeting)).status_code == 302


def test_it_builds_the_qr_page_in_a_fixed_number_of_queries(
    client, branch, current_meeting, secretary, django_assert_max_num_queries
):
    for index in range(40):
        signin_services.sign_in(meeting=current_meeting, member=MemberFactory(organization=branch, name=f"党员{index}"))
    client.force_login(secretary)

    with django_assert_max_num_queries(9):
        response = client.get(qr_url(current_meeting))

    assert "已扫码签到 40 人（应到 45 人）" in response.content.decode()
