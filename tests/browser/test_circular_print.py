"""The 情况通报 on paper: the sheet only, without the navigation, the footer or the language switcher, and the
note naming the periods not yet closed."""

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.browser


def test_it_prints_the_circular_without_navigation_footer_or_language_switcher(web, district_officer, district):
    web.log_in_as(district_officer)
    web.open(reverse("reviews:circular", args=[district.pk]) + f"?period={timezone.localdate().year}")
    page = web.page
    assert page.locator("footer.site-footer").is_visible()
    assert page.locator("#language-select").is_visible()

    page.emulate_media(media="print")

    assert not page.locator("footer.site-footer").is_visible()
    assert not page.locator("#language-select").is_visible()
    assert not page.locator("nav.portal-navbar").is_visible()
    assert page.locator(".circular-sheet").is_visible()
    assert page.locator("[data-open-periods]").is_visible()
    assert web.console_errors == []
