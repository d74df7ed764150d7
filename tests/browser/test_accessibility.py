"""axe-core on the ten key pages, as the demo's users see them: no violation allowed (issue 13, item 12).

axe-core (Deque Systems, MPL-2.0) is vendored as one file, `vendor/axe.min.js` with its licence beside it
(`vendor/axe-core.LICENSE`), so the run needs no network. It is injected into the page after it has loaded and
run on the whole document; a violation is reported with its rule, the elements and axe's own summary (for a
contrast failure: the two colours and the ratio).
"""

import importlib
import io
import json
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from activities.models import Meeting
from branches.models import Organization, User
from demo.tree.tables import DEMO_BRANCH_CODE
from reviews.evaluations.models import EvaluationCampaign
from tests.browser.conftest import DESKTOP, PHONE
from tests.conftest import enrol_totp

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DISTRICT_CODE = "BJ-DC"


def axe_violations(web) -> list[str]:
    """axe-core's violations of the page open in `web`, one readable line per element.

    The portal's Content-Security-Policy (script-src 'self') refuses an injected <script> tag, so axe is run as
    the browser's devtools would run it: evaluated in the page, which the policy does not govern."""
    if not web.page.evaluate("() => typeof window.axe === 'object'"):
        web.page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = web.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    lines = []
    for violation in result["violations"]:
        for node in violation["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"{violation['id']}: {json.dumps(node['target'])} {summary}")
    return lines


def check(web, path: str, name: str) -> list[str]:
    web.open(path)
    web.page.wait_for_load_state("networkidle")
    found = [f"{path}: {line}" for line in axe_violations(web)]
    web.screenshot(f"a11y-{name}-1280")
    return found


@pytest.fixture
def demo(transactional_db):
    """The demo data (a small tree), with the default rule sets that an earlier transactional test flushed."""
    migration = importlib.import_module("reviews.migrations.0002_default_rule_sets")
    migration.install(django_apps, None)
    call_command("seed_demo", "--branches=3", stdout=io.StringIO())
    return Organization.objects.get(code=DEMO_BRANCH_CODE)


def officer() -> User:
    """The demo's 区委工作人员, with the TOTP that officers must have (enrolled directly: not what is tested)."""
    user = User.objects.get(username="district")
    enrol_totp(user)
    return user


def test_the_login_page_has_no_accessibility_violations(web):
    found = check(web, reverse("account_login"), "login")
    assert not found, "\n".join(found)
    web.page.locator("main").get_by_role("button", name="登录").click()  # empty: the errors and their summary
    web.page.wait_for_load_state("networkidle")
    found = axe_violations(web)
    assert not found, "\n".join(found)
    assert web.console_errors == []


def test_the_members_pages_have_no_accessibility_violations(web, demo):
    web.log_in_as(User.objects.get(username="member"))
    campaign = EvaluationCampaign.objects.filter(organization=demo).order_by("-year").first()
    assert campaign is not None, "the demo has a 民主评议 for the demo branch"

    found = check(web, reverse("study:my_study"), "my-study")
    found += check(web, reverse("activities:my_meetings"), "my-meetings")
    found += check(web, reverse("reviews:evaluation_self", args=[campaign.pk]), "evaluation-self")

    assert not found, "\n".join(found)
    assert web.console_errors == []


def test_the_secretarys_pages_have_no_accessibility_violations(web, demo):
    web.log_in_as(User.objects.get(username="secretary"))
    held = Meeting.objects.filter(organization=demo, starts_at__lt=timezone.now()).order_by("-starts_at").first()
    assert held is not None, "the demo branch has held meetings"

    found = check(web, reverse("branches:organization_detail", args=[demo.pk]), "branch")
    found += check(web, reverse("activities:meeting_create", args=[demo.pk]), "meeting-form")
    found += check(web, reverse("activities:meeting_record", args=[held.pk]), "attendance")

    assert not found, "\n".join(found)
    assert web.console_errors == []


def test_the_officers_pages_have_no_accessibility_violations(web, demo):
    web.log_in_as(officer())
    district = Organization.objects.get(code=DISTRICT_CODE)

    found = check(web, reverse("reviews:dashboard", args=[district.pk]), "dashboard")
    found += check(web, reverse("reviews:circular", args=[district.pk]), "circular")
    found += check(web, reverse("branches:organization_tree"), "tree")

    assert not found, "\n".join(found)
    assert web.console_errors == []


def test_the_dashboard_has_no_accessibility_violations_on_a_phone(web, demo):
    web.resize(PHONE)
    web.log_in_as(officer())
    district = Organization.objects.get(code=DISTRICT_CODE)
    web.open(reverse("reviews:dashboard", args=[district.pk]))

    found = axe_violations(web)
    assert not found, "\n".join(found)
    web.screenshot("a11y-dashboard-375")
    web.resize(DESKTOP)
