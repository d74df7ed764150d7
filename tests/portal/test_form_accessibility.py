"""Form errors are tied to their fields for screen readers (issue 13, item 11).

Every `aria-describedby` names an element that is on the page; a field in error is `aria-invalid` and has
Bootstrap's `is-invalid` (the red border); a form that failed lists its errors at the top
(`components/form_errors.html`), each field's error linking to the field.

The forms are drawn by the project's renderer (settings.FORM_RENDERER), checked here on a form of its own; then
the demo's pages are walked as its users would open them, and every form met on the way is sent back empty.
"""

import io
import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django import forms
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client

from branches.models import User
from tests.conftest import enrol_totp

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    """The ids on a page, the elements that point at ids, the invalid fields, the summary and the forms."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.described: list[tuple[str, str]] = []  # (tag#id, the id it names)
        self.invalid: list[tuple[str, str]] = []  # (tag#id, class) of aria-invalid fields
        self.summary_links: list[str] = []
        self.has_summary = False
        self.in_summary = 0
        self.forms: list[str] = []  # actions of POST forms

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        name = f"{tag}#{values.get('id', '')}"
        if values.get("id"):
            self.ids.add(values["id"])
        for target in values.get("aria-describedby", "").split():
            self.described.append((name, target))
        if values.get("aria-invalid") == "true":
            self.invalid.append((name, values.get("class", "")))
        classes = values.get("class", "").split()
        if "form-errors" in classes:
            self.has_summary = True
        if tag == "a" and "alert-link" in classes and values.get("href", "").startswith("#"):
            self.summary_links.append(values["href"][1:])
        if tag == "form" and values.get("method", "").lower() == "post":
            self.forms.append(values.get("action", ""))


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def problems(page: _Page) -> list[str]:
    found = [
        f"{name} aria-describedby names #{target}, which is not on the page"
        for name, target in page.described
        if target not in page.ids
    ]
    found += [f"{name} is aria-invalid without is-invalid" for name, css in page.invalid if "is-invalid" not in css]
    found += [
        f"the summary links to #{target}, which is not on the page"
        for target in page.summary_links
        if target not in page.ids
    ]
    return found


class _Sample(forms.Form):
    name = forms.CharField(label="姓名", help_text="与身份证一致")
    phone = forms.CharField(label="手机号")
    agree = forms.BooleanField(label="同意", help_text="必须勾选")
    kind = forms.ChoiceField(label="类别", choices=[("a", "甲"), ("b", "乙")], widget=forms.RadioSelect)
    note = forms.CharField(label="备注", required=False, help_text="可不填", widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        raise forms.ValidationError("整张表不对")


def test_the_renderer_ties_errors_and_help_to_their_fields():
    form = _Sample(data={"phone": "139"})
    html = render_to_string("components/form_fields.html", {"form": form})
    page = parse(html)

    assert problems(page) == []
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'id="id_name_helptext"' in html and 'id="id_name_error"' in html
    invalid = {name for name, _ in page.invalid}
    assert invalid == {"input#id_name", "input#id_agree", "input#id_kind_0", "input#id_kind_1"}
    assert 'aria-describedby="id_phone' not in html  # no help, no error: nothing to point at
    assert 'aria-describedby="id_note_helptext"' in html and 'id="id_note_helptext"' in html
    assert page.has_summary
    assert "整张表不对" in html
    assert page.summary_links == ["id_name", "id_agree", "id_kind_0"]


def test_a_valid_form_has_no_summary():
    form = _Sample(initial={"name": "王霞"})
    page = parse(render_to_string("components/form_fields.html", {"form": form}))

    assert problems(page) == []
    assert not page.has_summary
    assert page.invalid == []


SKIP = ("/accounts/logout/", "/i18n/", "/admin/", "/jobs/", "/healthz/", "/static/", "/media/")
DOWNLOADS = (".xlsx", ".svg", ".pdf", ".csv", "/download/", "/attachment/", "/thumbnail/", "/qr/")
WRITES_TO_AVOID = ("/delete/", "/remind/", "/read-all/", "/file/", "/submit/", "/close/", "/publish/", "/revise/")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append(urldefrag(href)[0])


def walk(client: Client, start: str, limit: int) -> tuple[dict[str, list[str]], int]:
    """Open pages from `start` by their links (GET, two pages of each kind), then send every POST form met back
    empty."""
    failures: dict[str, list[str]] = {}
    opened = 0
    seen, queue, posts = {start}, deque([start]), set()
    shapes: Counter[str] = Counter()  # pages of one kind (ids replaced by N): two of each are enough
    while queue and len(seen) <= limit:
        url = queue.popleft()
        response = client.get(url, follow=True)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        opened += 1
        html = response.content.decode()
        page = parse(html)
        if found := problems(page):
            failures[f"GET {url}"] = found
        for action in page.forms[:3]:
            target = action or url
            if target.startswith("/") and not target.startswith(SKIP) and not any(w in target for w in WRITES_TO_AVOID):
                posts.add(target)
        links = _Links()
        links.feed(html)
        for link in links.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not link.startswith("/") or link.startswith(SKIP):
                continue
            shape = re.sub(r"\d+", "N", parts.path)
            if any(d in link for d in DOWNLOADS) or link in seen or shapes[shape] >= 2:
                continue
            shapes[shape] += 1
            seen.add(link)
            queue.append(link)
    for target in sorted(posts):
        response = client.post(target, {})
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = parse(response.content.decode())
        found = problems(page)
        # One field in error is read next to it; two or more are listed at the top of the form.
        if len(page.invalid) > 1 and not page.has_summary:
            found.append("fields in error but no summary of the errors at the top of the form")
        if found:
            failures[f"POST {target}"] = found
    return failures, opened


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--branches=3", stdout=io.StringIO())


@pytest.mark.parametrize("username", ["anonymous", "member", "secretary", "district"])
def test_every_form_of_the_demo_ties_its_errors_to_its_fields(demo, username):
    client = Client()
    if username != "anonymous":
        user = User.objects.get(username=username)
        if username == "district":
            enrol_totp(user)  # officers must have TOTP; enrolled directly, as tests not about login do
        client.force_login(user)

    failures, opened = walk(client, "/" if username != "anonymous" else "/accounts/login/", limit=120)

    assert failures == {}
    assert opened >= (1 if username == "anonymous" else 20)  # the walk got past the landing page
