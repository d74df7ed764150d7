"""A secretary reads the branch's to-do in English on a phone: the rules' titles and sources in English, inside the
375 px screen. Screenshot: test-artifacts/screenshots/rules-english-todo-375.png."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


@pytest.fixture
def default_rules(transactional_db):
    """The default rule sets and their English come from data migrations that an earlier transactional test
    flushed: put them back."""
    importlib.import_module("reviews.migrations.0002_default_rule_sets").install(django_apps, None)
    importlib.import_module("reviews.migrations.0017_fill_default_rules_in_english").fill(django_apps, None)


def test_a_secretary_reads_the_todo_in_english_on_a_phone(web, default_rules, branch, secretary):
    web.resize(PHONE)
    web.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": web.base_url}])
    web.log_in_as(secretary)

    web.open(reverse("branches:organization_detail", args=[branch.pk]))

    todo = web.page.locator(".obligation-source").first
    expect(todo).to_contain_text("Source: Implementation Plan §2.")
    expect(web.page.get_by_text("A Theme Party Day at least once a month").first).to_be_visible()
    assert "每月至少开展一次主题党日" not in web.page.content()
    assert web.horizontal_overflow() == 0
    web.screenshot("rules-english-todo-375")
    assert web.console_errors == []
