"""The recovery attack on masked ID numbers (issue 10, item 2).

For every page and export that shows a masked ID number to a viewer without `view_full_id_number`, parse what
that viewer sees of each member (the masked number, the birth date or year, the gender) and count the full
numbers consistent with it when the attacker restricts to Beijing's region codes and checks the ISO 7064 check
digit. Each member must keep at least 100 candidates.
"""

import datetime
import io
import re
from collections.abc import Iterable

import openpyxl
import pytest
from django.urls import reverse

from activities.models import Meeting
from branches import idnumbers
from branches.models import Gender
from tests.activities.test_meeting_reminders import held
from tests.branches.test_admin_roster import MEMBER_PERMISSIONS, grant
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

# Beijing's county-level region codes (东城区 … 延庆区; 110228 密云县 and 110229 延庆县 before they became
# districts, still printed on older cards).
BEIJING_REGIONS = [f"1101{n:02d}" for n in range(1, 20)] + ["110228", "110229"]

ENOUGH = 100
_MASKED = re.compile(r"[0-9*]{17}[0-9X*]")


def candidates(*, masked: str, dates: Iterable[datetime.date], gender: str | None, cap: int = 1_000) -> int:
    """How many valid numbers match what was seen (counting stops at `cap`)."""

    def fits(seen: str, shown: str) -> bool:
        return all(mark == "*" or mark == char for mark, char in zip(seen, shown, strict=True))

    sequences = [
        f"{n:03d}"
        for n in range(1000)
        if fits(masked[14:17], f"{n:03d}") and (gender is None or (n % 2 == 1) == (gender == Gender.MALE))
    ]
    count = 0
    for region in (region for region in BEIJING_REGIONS if fits(masked[:6], region)):
        for middle in (f"{day:%Y%m%d}" for day in dates):
            if not fits(masked[6:14], middle):
                continue
            for tail in sequences:
                first17 = region + middle + tail
                if masked[17] != "*" and idnumbers.check_character(first17) != masked[17]:
                    continue
                count += 1
                if count >= cap:
                    return count
    return count


def days_of(year: int) -> list[datetime.date]:
    first = datetime.date(year, 1, 1)
    return [first + datetime.timedelta(days=n) for n in range((datetime.date(year + 1, 1, 1) - first).days)]


def what_the_viewer_sees(text: str, member) -> dict:
    """The masked number, the birth dates still possible and the gender, read from the text shown about one
    member (the attacker knows which fields are which)."""
    masked = [match for match in _MASKED.findall(text) if "*" in match]
    assert masked, "no masked number shown"
    birth = member.birth_date
    spellings = {
        f"{birth:%Y-%m-%d}",
        f"{birth:%Y/%m/%d}",
        f"{birth:%Y%m%d}",
        f"{birth.year}年{birth.month}月{birth.day}日",
    }
    if any(spelling in text.replace(masked[0], "") for spelling in spellings):
        dates = [birth]
    elif str(birth.year) in text.replace(masked[0], ""):
        dates = days_of(birth.year)
    else:
        dates = [day for year in range(1940, 2008) for day in days_of(year)]
    label = {Gender.MALE: "男", Gender.FEMALE: "女"}[member.gender]
    return {"masked": masked[0], "dates": dates, "gender": member.gender if label in text else None}


def html_chunks(html: str, member) -> str:
    """The table row about the member on a list page, or the whole page on a detail page."""
    rows = [row for row in re.split(r"<tr[ >]", html) if member.name in row]
    return rows[0] if len(rows) == 1 and "</tr>" in rows[0] else html


def xlsx_rows(content: bytes, member) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        if member.name in row:
            return " ".join(f"{value:%Y-%m-%d}" if isinstance(value, datetime.date) else str(value) for value in row)
    raise AssertionError("member not in the export")


@pytest.fixture
def members(branch):
    """Members whose gender agrees with their number (an odd sequence is a man), in several Beijing regions."""
    made = []
    for index, (region, birth, gender) in enumerate(
        [
            ("110105", datetime.date(1985, 6, 1), Gender.MALE),
            ("110229", datetime.date(1962, 12, 31), Gender.FEMALE),
            ("110101", datetime.date(2000, 2, 29), Gender.MALE),
        ]
    ):
        sequence = 10 * (index + 1) + (1 if gender == Gender.MALE else 2)
        number = idnumbers.compose(region=region, birth_date=birth, sequence=sequence)
        made.append(
            MemberFactory(organization=branch, name=f"受测{index}", gender=gender, birth_date=birth, id_number=number)
        )
    return made


@pytest.fixture
def staff_administrator(administrator):
    grant(administrator, *MEMBER_PERMISSIONS)
    return administrator


def views_shown(client, secretary, staff_administrator, branch, member) -> dict[str, str]:
    """Every page and export that shows this member's masked number, as text, to viewers without the permission."""
    client.force_login(secretary)
    seen = {
        "member detail": client.get(reverse("branches:member_detail", args=[member.pk])).text,
        "member edit": client.get(reverse("branches:member_edit", args=[member.pk])).text,
        "roster page": html_chunks(client.get(reverse("branches:organization_detail", args=[branch.pk])).text, member),
        "roster export": xlsx_rows(client.get(reverse("branches:roster_export", args=[branch.pk])).content, member),
    }
    client.force_login(staff_administrator)
    changelist = client.get(reverse("admin:branches_member_changelist")).text
    seen |= {
        "admin list": html_chunks(changelist, member),
        "admin change": client.get(reverse("admin:branches_member_change", args=[member.pk])).text,
        "admin export": xlsx_rows(client.get(reverse("admin:branches_member_export")).content, member),
        "admin annual export": csv_line(annual_export(client, "branches_member"), member),
        "admin attendance export": csv_line(annual_export(client, "activities_attendance"), member),
    }
    return seen


MEETING_TOPIC = "受测的会议"


def annual_export(client, admin_name: str) -> str:
    """The admin's 年度导出 as csv, of the year of the test's meeting."""
    data = {"year": Meeting.objects.get(topic=MEETING_TOPIC).held_on.year, "organization": "", "file_format": "csv"}
    return client.post(reverse(f"admin:{admin_name}_annual_export"), data).content.decode("utf-8-sig")


def csv_line(text: str, member) -> str:
    lines = [line for line in text.splitlines() if member.name in line]
    assert lines, "member not in the export"
    return lines[0]


def test_it_leaves_at_least_100_candidates_for_every_masked_number_anywhere(
    client, secretary, staff_administrator, branch, members
):
    held(branch, secretary, days_ago=1, topic=MEETING_TOPIC)  # everyone present: the attendance export names them
    counts = {}
    for member in members:
        for where, text in views_shown(client, secretary, staff_administrator, branch, member).items():
            if member.id_number in text:
                counts[(member.name, where)] = 1  # shown in full: nothing left to recover
                continue
            if not any("*" in match for match in _MASKED.findall(text)):
                continue  # the page shows no digit of the number
            counts[(member.name, where)] = candidates(**what_the_viewer_sees(text, member))

    assert {where for _name, where in counts} >= {
        "member detail",
        "roster page",
        "roster export",
        "admin list",
        "admin change",
        "admin export",
        "admin annual export",
        "admin attendance export",
    }
    assert {key: n for key, n in counts.items() if n < ENOUGH} == {}


def test_it_counts_a_single_candidate_when_the_full_birth_date_is_shown_beside_the_old_mask():
    number = idnumbers.compose(region="110105", birth_date=datetime.date(1985, 6, 1), sequence=11)
    old_mask = number[:3] + "*" * 11 + number[-4:]

    assert candidates(masked=old_mask, dates=[datetime.date(1985, 6, 1)], gender=Gender.MALE) < ENOUGH
    assert candidates(masked=idnumbers.mask(number), dates=days_of(1985), gender=Gender.MALE) >= ENOUGH
