"""Headless Chromium (Debian's package, never a downloaded browser) driven by Playwright against live_server.

Playwright's sync API keeps an asyncio loop running in the main thread, so Django's
"no ORM calls from async code" guard must be switched off before Playwright starts.
"""

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
PASSWORD = "pass-1234-word"  # tests.factories.UserFactory


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _default_data(transactional_db):
    """Browser tests are transactional: the tables are flushed after each, data migrations' rows included, so the
    default rules, dues brackets, rating rubric and weak-branch criteria are put back before each test."""
    from tests.default_data import default_data_install

    default_data_install()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters and cached sessions must not leak from one test to the next."""
    cache.clear()
    yield
    cache.clear()


class Browser:
    """One browser context (cookies) with a page, a base URL and a record of console errors."""

    def __init__(self, chromium, base_url: str, viewport: dict):
        self.base_url = base_url
        self.context = chromium.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.page.on("response", self._on_response)

    def _on_console(self, message) -> None:
        # CSP violations ("Refused to apply inline style …") and script errors land here.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(message.text)

    def _on_response(self, response) -> None:
        # Failed loads are recorded with their URL; browsers ask for /favicon.ico on their own.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.console_errors.append(f"{response.status} {response.url}")

    def open(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None
        assert response.ok, f"{path} answered {response.status}"
        return response

    def log_in(self, login: str, password: str = PASSWORD) -> None:
        """Through the login form, as a person would."""
        self.open("/accounts/login/")
        self.page.get_by_label("用户名 / 手机号 / 邮箱").fill(login)
        self.page.get_by_label("密码", exact=True).fill(password)
        with self.page.expect_navigation():
            self.page.locator("main").get_by_role("button", name="登录").click()

    def log_in_as(self, user) -> None:
        """Skip the login form (and the two-factor step): put a session cookie in the browser."""
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        self.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": self.base_url}])

    def resize(self, viewport: dict) -> None:
        self.page.set_viewport_size(viewport)

    def horizontal_overflow(self) -> int:
        """How many pixels the page is wider than the viewport (0 when nothing sticks out)."""
        return self.page.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth"
        )

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def web(browser, django_db_setup, live_server, transactional_db):
    # django_db_setup before live_server: the server thread must share the in-memory SQLite test
    # database's connection instead of opening (and leaking) one per request.
    session = Browser(browser, live_server.url, DESKTOP)
    yield session
    session.close()
    # A filed meeting leaves entries in the append-only chain of filings, which the flush after a transactional
    # test cannot delete: empty it here, as only a test may, or every later browser test fails to set up.
    from tests.record_chain import chain_wipe

    chain_wipe()
