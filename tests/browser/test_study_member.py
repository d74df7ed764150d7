"""A member logs in on a phone, opens 我的学习, marks a task done with a 心得 and finds it under 已完成.

Screenshots at 375 and 1280 px go to test-artifacts/screenshots/ (study-*.png).
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from branches.models import Member
from study.learning import services as learning_services
from study.materials import services as materials_services
from study.models import MaterialCategory, StudyTask, TaskStatus
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.study.member_tasks import make_task

pytestmark = pytest.mark.browser

REFLECTION = "通过学习党章，我更加明确了党员的义务，要在岗位上亮明身份、做出表率。"


def screenshot(web, name: str) -> None:
    """Like Browser.screenshot, but leaves the caret alone: Playwright hides it by putting `style=""` on every
    input, which htmx then copies onto the swapped-in form ("style" is one of its settled attributes) and the
    CSP (style-src 'self') reports the copy as an inline style."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    web.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, caret="initial")


@pytest.fixture
def study_data(member_user, committee):
    member = member_user.member
    today = timezone.localdate()
    material = materials_services.material_publish(
        organization=committee,
        published_by=None,
        title="中国共产党章程",
        category=MaterialCategory.PARTY_CONSTITUTION,
        body="第一章 党员\n第一条 年满十八岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子……",
        is_required=True,
    )
    open_task = make_task(member, due=today, topic="学习党章第一章“党员”", hours=3, materials=[material])
    make_task(member, due=today - datetime.timedelta(days=5), topic="观看警示教育片并讨论", hours=2)
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=10)
    make_task(member, due=next_month, topic="学习《中国共产党纪律处分条例》", hours=2)
    make_task(
        member,
        due=today - datetime.timedelta(days=20),
        topic="学习习近平总书记视察北京重要讲话",
        hours=4,
        done_at=timezone.now() - datetime.timedelta(days=21),
        reflection="结合本职工作，对建设首都有了更深的认识，要把讲话精神落实到具体行动中。",
    )
    return open_task, material


def test_it_lets_a_member_complete_a_task_on_a_phone(web, member_user, study_data):
    open_task, _material = study_data
    web.resize(PHONE)
    web.log_in("member")

    web.open(reverse("study:my_study"))
    expect(web.page.locator("main h1")).to_have_text("我的学习")
    expect(web.page.locator("#study-summary")).to_contain_text("4 / 32 学时")
    screenshot(web, "study-my-study-375")
    assert web.horizontal_overflow() <= 1

    card = web.page.locator(f"#task-{open_task.pk}")
    card.get_by_text("完成", exact=True).click()
    textarea = card.get_by_label("学习心得")
    textarea.fill("太短")
    card.get_by_role("button", name="提交").click()
    expect(card).to_contain_text("请写下至少10个字的学习心得。")
    assert StudyTask.objects.get(pk=open_task.pk).status == TaskStatus.OPEN

    card.get_by_label("学习心得").fill(REFLECTION)
    expect(card).to_contain_text(f"已写 {len(REFLECTION)} 字")
    screenshot(web, "study-task-form-375")
    card.get_by_role("button", name="提交").click()

    expect(card.locator(".badge")).to_have_text("已完成")
    done = web.page.locator("#study-done")
    expect(done.locator(f"#done-task-{open_task.pk}")).to_contain_text("学习党章第一章“党员”")
    expect(done.locator(f"#done-task-{open_task.pk}")).to_contain_text(REFLECTION[:20])
    expect(web.page.locator("#study-summary")).to_contain_text("7 / 32 学时")
    task = StudyTask.objects.get(pk=open_task.pk)
    assert (task.status, task.reflection) == (TaskStatus.DONE, REFLECTION)
    assert web.horizontal_overflow() <= 1
    screenshot(web, "study-task-done-375")

    web.page.reload()
    expect(web.page.locator(f"#study-done #done-task-{open_task.pk}")).to_be_visible()
    assert web.console_errors == []


def test_it_completes_a_task_without_javascript(web, browser, member_user, study_data):
    open_task, _material = study_data
    web.context.close()
    web.context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    web.page = web.context.new_page()
    web.log_in_as(member_user)

    web.open(reverse("study:my_study"))
    card = web.page.locator(f"#task-{open_task.pk}")
    card.get_by_text("完成", exact=True).click()
    card.get_by_label("学习心得").fill(REFLECTION)
    with web.page.expect_navigation():
        card.get_by_role("button", name="提交").click()

    expect(web.page.locator(".alert-success")).to_contain_text("学习心得已保存")
    expect(web.page.locator(f"#study-done #done-task-{open_task.pk}")).to_be_visible()
    assert StudyTask.objects.get(pk=open_task.pk).status == TaskStatus.DONE


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_it_lays_out_the_member_study_pages_within_the_screen(
    web, viewport, member_user, secretary, branch, study_data
):
    _open_task, material = study_data
    member = member_user.member
    Member.objects.filter(pk=member.pk).update(is_leading_cadre=True)
    member.refresh_from_db()
    year = timezone.localdate().year
    learning_services.cadre_item_save(
        member=member, year=year, title="精读《习近平谈治国理政》", target_month=3, progress=60
    )
    learning_services.cadre_item_save(
        member=member, year=year, title="学习《中国共产党纪律处分条例》", target_month=9, progress=100, note="已完成"
    )
    width = viewport["width"]
    web.resize(viewport)
    pages = [
        ("my-study", reverse("study:my_study"), "我的学习", member_user),
        ("materials", reverse("study:material_list"), "学习资料", member_user),
        ("material", reverse("study:material_detail", args=[material.pk]), material.title, member_user),
        ("cadre-plan", reverse("study:cadre_plan"), "个人自学计划", member_user),
        ("material-form", reverse("study:material_create", args=[branch.pk]), "发布学习资料", secretary),
    ]
    for name, path, heading, user in pages:
        web.context.clear_cookies()
        web.log_in_as(user)
        web.open(path)
        expect(web.page.locator("main h1").first).to_contain_text(heading)
        screenshot(web, f"study-{name}-{width}")
        assert web.horizontal_overflow() <= 1, f"{name} page is wider than {width} px"
    assert web.console_errors == []
