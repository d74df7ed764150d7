"""The gettext catalogues: complete, compiled, and the English pages carry no Chinese UI text.

Msgids are the Chinese source strings, so the zh_Hans catalogue maps each to itself and the English one
gives every entry an English text. CONTRIBUTING.md ("Translations") says how to update them.
"""

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from branches.idnumbers import validate_id_number
from branches.models import Organization, OrganizationKind
from branches.roster import columns as roster
from tests.factories import MemberFactory, PartyGroupFactory

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ["en", "zh_Hans"]
# Ideographs and full-width punctuation (，。：（）); “ ” quotes are fine in English text.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")


def catalogue(language: str, suffix: str = "po") -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"django.{suffix}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_has_every_entry_translated_and_none_fuzzy(language):
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt is missing: install Debian's gettext package (./scripts/test does)")
    po = catalogue(language)
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # e.g. "552 translated messages." — any fuzzy or untranslated entry adds ", n fuzzy translations, …"
    statistics = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages?\.", statistics), f"{po.relative_to(LOCALE)}: {statistics}"
    assert int(statistics.split()[0]) > 100
    assert "#, fuzzy" not in po.read_text(encoding="utf-8")


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_has_compiled_catalogues_newer_than_their_sources(language):
    mo, po = catalogue(language, "mo"), catalogue(language)
    assert mo.exists(), f"{mo} is missing: run `manage.py compilemessages --ignore=.venv`"
    assert mo.stat().st_mtime >= po.stat().st_mtime, f"{mo} is older than {po}: run compilemessages"


def test_it_translates_the_portal_terms_into_english():
    with translation.override("en"):
        assert gettext("组织树") == "Organisation tree"
        assert gettext("我的组织") == "My organisation"
        assert gettext("两学一做学习教育平台") == "Two Studies, One Action Study Portal"
        assert str(OrganizationKind.BRANCH.label) == "Party branch"
        assert str(OrganizationKind.PRIMARY_COMMITTEE.label) == "Primary Party committee"
        assert str(Organization._meta.verbose_name) == "Party organisation"
        assert gettext("预备党员") == "Probationary member"
        assert gettext("软弱涣散") == "Weak and lax"
        assert ngettext("找到 %(n)s 个党组织", "找到 %(n)s 个党组织", 1) % {"n": 1} == "Found 1 Party organisation"
        assert ngettext("找到 %(n)s 个党组织", "找到 %(n)s 个党组织", 3) % {"n": 3} == "Found 3 Party organisations"
        with pytest.raises(ValidationError) as error:
            validate_id_number("12345")
        assert error.value.messages == ["An ID number has 18 characters: 17 digits followed by a digit or X."]


def test_it_keeps_chinese_as_the_default_and_the_admins_own_chinese():
    with translation.override("zh-hans"):
        assert gettext("组织树") == "组织树"
        assert str(OrganizationKind.BRANCH.label) == "党支部"
        assert gettext("Home") == "首页"  # the admin's breadcrumb msgid, kept Chinese in zh_Hans
    with translation.override("en"):
        assert gettext("Home") == "Home"


def visible_text(response) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", "", response.content.decode(), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def chinese_left(text: str, data: list[str]) -> list[str]:
    """The runs of Chinese still in `text` once the data (names of people and organisations) is taken out."""
    for word in sorted(data, key=len, reverse=True):
        text = text.replace(word, " ")
    return sorted(set(CJK.findall(text)))


@pytest.mark.django_db
def test_it_shows_the_pages_in_english_with_only_data_left_in_chinese(
    client, secretary, district_officer, branch, committee, district, city
):
    group = PartyGroupFactory(organization=branch, name="青年党小组")
    member = MemberFactory(organization=branch, name="陈红梅", group=group, position="宣传员")
    data = [
        *(org.name for org in (branch, committee, district, city)),
        *("王书记", "张干事", "陈红梅", "青年党小组", "宣传员", "汉族"),
        "简体中文",  # the language switch names each language in itself
    ]
    # The roster file's format: its column names, sheet names and a date example stay Chinese.
    roster_format = [*(column.header for column in roster.COLUMNS), roster.SHEET_TITLE, roster.INSTRUCTIONS_TITLE]
    roster_format += ["2010年7月1日"]

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(secretary)
    pages = {
        reverse("branches:organization_detail", args=[branch.pk]): data,
        reverse("branches:organization_edit", args=[branch.pk]): data,
        reverse("branches:group_create", args=[branch.pk]): data,
        reverse("branches:member_create", args=[branch.pk]): data,
        reverse("branches:member_detail", args=[member.pk]): data,
        reverse("branches:member_edit", args=[member.pk]): data,
        reverse("branches:member_transfer", args=[member.pk]): data,
        reverse("branches:member_status", args=[member.pk]): data,
        reverse("branches:member_account_create", args=[member.pk]): data,
        reverse("branches:roster_import", args=[branch.pk]): data + roster_format,
        reverse("mfa_index"): data,
        reverse("account_change_password"): data,
    }
    for url, allowed in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert chinese_left(visible_text(response), allowed) == [], url
        assert '<html lang="en"' in response.content.decode(), url

    response = client.post(reverse("branches:member_create", args=[branch.pk]), {"name": "", "id_number": "123"})
    text = visible_text(response)
    assert "An ID number has 18 characters" in text
    assert chinese_left(text, data) == []

    client.force_login(district_officer)
    response = client.get(reverse("branches:organization_tree"), {"q": "党支部"})
    text = visible_text(response)
    assert "Found 1 Party organisation" in text
    assert chinese_left(text, [*data, "党支部"]) == []  # the search box keeps what was typed

    client.logout()  # which also drops the cookies
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("account_login"))
    assert "Log in" in visible_text(response)
    assert chinese_left(visible_text(response), data) == []


def test_the_portal_stays_chinese_for_an_english_browser_until_the_user_switches(client):
    from django.urls import reverse

    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").text
    assert "两学一做学习教育平台" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="zh-CN").text
    assert "Two Studies, One Action" in page
