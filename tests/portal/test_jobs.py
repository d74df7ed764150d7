"""The background-job toolkit (portal/jobs/): start, run in-process, progress, access, reaper, budget."""

import datetime
import threading

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from portal.jobs import services
from portal.jobs.models import Job, JobState, job_params_key
from portal.jobs.progress import ProgressReporter, progress_cached, progress_forget
from portal.jobs.registry import JobError, JobOutcome, register, unregister
from portal.jobs.selectors import job_with_live_progress, jobs_visible_to
from portal.jobs.tasks import job_run, jobs_reap_stale
from tests.conftest import enrol_totp
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ECHO = "tests.echo"
FAILING = "tests.failing"
CRASHING = "tests.crashing"
HTMX = {"HTTP_HX_REQUEST": "true"}


def echo_run(job: Job, progress: ProgressReporter) -> JobOutcome:
    total = job.params.get("total", 3)
    for done in range(1, total + 1):
        progress(done, total, f"第 {done} 步")
    return JobOutcome(
        message="名册已导入",
        result={"rows": total, "errors": [{"row": 2, "message": "身份证号格式不正确"}]},
        result_file=ContentFile(b"id,name\n1,a\n", name="导入结果.csv") if job.params.get("file") else None,
    )


def failing_run(job: Job, progress: ProgressReporter) -> JobOutcome:
    progress(1, 2)
    raise JobError("第 2 行身份证号格式不正确，未导入任何数据。", result={"errors": [{"row": 2}]})


def crashing_run(job: Job, progress: ProgressReporter) -> JobOutcome:
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def kinds():
    register(ECHO, echo_run, title="测试：回显", max_attempts=2)
    register(FAILING, failing_run, title="测试：失败")
    register(CRASHING, crashing_run, title="测试：崩溃")
    yield
    for kind in (ECHO, FAILING, CRASHING):
        unregister(kind)


@pytest.fixture
def owner(branch):
    return UserFactory(username="job_owner")


@pytest.fixture
def stranger(branch):
    return UserFactory(username="stranger")


def run_started(django_capture_on_commit_callbacks, owner, **kwargs) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_start(kind=kwargs.pop("kind", ECHO), owner=owner, params=kwargs.pop("params", {}), **kwargs)
    job.refresh_from_db()
    return job


def test_it_runs_a_started_job_in_process_after_commit_and_ends_done(django_capture_on_commit_callbacks, owner, branch):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.job_start(kind=ECHO, owner=owner, organization=branch, params={"total": 4})
    assert (job.state, job.attempts, len(callbacks)) == (JobState.QUEUED, 0, 1)
    callbacks[0]()
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert (job.progress_done, job.progress_total, job.percent, job.attempts) == (4, 4, 100, 1)
    assert job.message == "名册已导入"
    assert job.result["errors"] == [{"row": 2, "message": "身份证号格式不正确"}]
    assert job.started_at <= job.finished_at
    assert not job.is_live
    assert progress_cached(job.pk) is None  # the columns are the truth once the job ended


def test_it_returns_the_live_job_on_a_second_start_with_the_same_parameters(
    django_capture_on_commit_callbacks, owner, branch, sibling_branch
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = services.job_start(kind=ECHO, owner=owner, organization=branch, params={"a": 1, "b": 2})
        again = services.job_start(kind=ECHO, owner=owner, organization=branch, params={"b": 2, "a": 1})
        other_branch = services.job_start(kind=ECHO, owner=owner, organization=sibling_branch, params={"a": 1, "b": 2})
    assert again.pk == first.pk
    assert other_branch.pk != first.pk
    assert len(callbacks) == 2  # one dispatch per job created
    callbacks[0]()
    with django_capture_on_commit_callbacks(execute=False):
        after_done = services.job_start(kind=ECHO, owner=owner, organization=branch, params={"a": 1, "b": 2})
    assert after_done.pk != first.pk  # a finished job does not block a new one


def test_it_allows_one_live_job_per_kind_and_parameters_in_the_database(owner):
    key = job_params_key(kind=ECHO, organization_id=None, params={})
    Job.objects.create(kind=ECHO, owner=owner, params_key=key, state=JobState.DONE)
    Job.objects.create(kind=ECHO, owner=owner, params_key=key, state=JobState.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(kind=ECHO, owner=owner, params_key=key, state=JobState.QUEUED)


def test_it_returns_the_winner_when_a_concurrent_start_hits_the_constraint(
    django_capture_on_commit_callbacks, owner, monkeypatch
):
    key = job_params_key(kind=ECHO, organization_id=None, params={"x": 1})
    winner = Job.objects.create(kind=ECHO, owner=owner, params_key=key, state=JobState.RUNNING)
    real_filter = Job.objects.filter
    calls = []

    def blind_first_lookup(*args, **kwargs):  # the other request committed just after our lookup
        calls.append(kwargs)
        queryset = real_filter(*args, **kwargs)
        return queryset.none() if len(calls) == 1 else queryset

    monkeypatch.setattr(Job.objects, "filter", blind_first_lookup)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.job_start(kind=ECHO, owner=owner, params={"x": 1})
    assert job.pk == winner.pk
    assert callbacks == []
    assert Job.objects.filter(kind=ECHO).count() == 1


def test_it_fails_a_job_of_an_unknown_kind_with_a_clear_message(django_capture_on_commit_callbacks, owner):
    job = run_started(django_capture_on_commit_callbacks, owner, kind="nobody.registered_this")
    assert job.state == JobState.FAILED
    assert job.message == str(services.MESSAGE_UNKNOWN_KIND)
    assert "nobody.registered_this" in job.error


def test_it_fails_a_job_with_the_message_of_the_runners_job_error(django_capture_on_commit_callbacks, owner):
    job = run_started(django_capture_on_commit_callbacks, owner, kind=FAILING)
    assert job.state == JobState.FAILED
    assert job.message == "第 2 行身份证号格式不正确，未导入任何数据。"
    assert job.result == {"errors": [{"row": 2}]}
    assert "JobError" in job.error


def test_it_fails_a_crashed_job_with_a_message_for_the_user_and_the_traceback_for_the_admin(
    django_capture_on_commit_callbacks, owner
):
    job = run_started(django_capture_on_commit_callbacks, owner, kind=CRASHING)
    assert job.state == JobState.FAILED
    assert job.message == str(services.MESSAGE_CRASHED)
    assert "RuntimeError: boom" in job.error


def test_it_runs_a_job_once_when_the_task_is_delivered_twice(owner):
    key = job_params_key(kind=ECHO, organization_id=None, params={})
    job = Job.objects.create(kind=ECHO, owner=owner, params_key=key)
    assert job_run.apply(kwargs={"job_id": job.pk}).get() == "done"
    assert job_run.apply(kwargs={"job_id": job.pk}).get() == "not-claimed"
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.DONE, 1)


@pytest.mark.django_db(transaction=True)
def test_a_runner_that_fanned_out_leaves_the_job_running_with_its_progress_for_the_tasks_to_end(owner):
    def fanning_run(job: Job, progress: ProgressReporter) -> JobOutcome:
        progress(1, 3, "已分派")
        return JobOutcome(pending=True)

    register("tests.fanning", fanning_run, title="测试：分派")
    try:
        key = job_params_key(kind="tests.fanning", organization_id=None, params={})
        job = Job.objects.create(kind="tests.fanning", owner=owner, params_key=key)
        assert services.job_run(job_id=job.pk) == "pending"
        job.refresh_from_db()
        assert (job.state, job.progress_done, job.progress_total, job.message) == (JobState.RUNNING, 1, 3, "已分派")
        assert services.job_finish(job=job, outcome=JobOutcome(message="全部完成"))  # what the last task does
        job.refresh_from_db()
        assert (job.state, job.message) == (JobState.DONE, "全部完成")
    finally:
        unregister("tests.fanning")


def test_it_shows_progress_reported_inside_the_runners_transaction(owner, client):
    """The reporter writes the cache, so the page sees progress the runner's open transaction still hides."""
    seen = {}

    def watching_run(job: Job, progress: ProgressReporter) -> JobOutcome:
        with transaction.atomic():
            progress(3, 10, "已导入 3 行")
            fresh = Job.objects.get(pk=job.pk)
            seen["selector"] = job_with_live_progress(fresh)
            client.force_login(owner)
            seen["page"] = client.get(reverse("portal:job_status", args=[job.pk]), **HTMX).content.decode()
        return JobOutcome()

    register("tests.watching", watching_run, title="测试：进度")
    try:
        job = Job.objects.create(
            kind="tests.watching", owner=owner, params_key=job_params_key(kind="x", organization_id=None, params={})
        )
        services.job_run(job_id=job.pk)
    finally:
        unregister("tests.watching")
    assert (seen["selector"].progress_done, seen["selector"].progress_total, seen["selector"].percent) == (3, 10, 30)
    assert 'value="30"' in seen["page"]
    assert "已处理 3 / 10" in seen["page"]
    assert "已导入 3 行" in seen["page"]
    assert 'hx-trigger="every 2s"' in seen["page"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="another connection's view of an open transaction")
def test_it_shows_progress_to_another_connection_while_the_runner_holds_its_transaction_open(owner, client):
    """On PostgreSQL: a runner thread (its own connection) reports from inside its atomic block and waits; the
    page, on this connection, shows the progress although the job row and the runner's rows are uncommitted."""
    reported, release = threading.Event(), threading.Event()

    def holding_run(job: Job, progress: ProgressReporter) -> JobOutcome:
        with transaction.atomic():
            Job.objects.filter(pk=job.pk).update(message="inside")  # would lock the row and stay invisible
            progress(7, 20, "已导入 7 行")
            reported.set()
            assert release.wait(30)
        return JobOutcome(message="完成")

    register("tests.holding", holding_run, title="测试：长事务")
    job = Job.objects.create(
        kind="tests.holding", owner=owner, params_key=job_params_key(kind="y", organization_id=None, params={})
    )
    runner = threading.Thread(target=lambda: (services.job_run(job_id=job.pk), connection.close()))
    runner.start()
    try:
        assert reported.wait(30)
        client.force_login(owner)
        page = client.get(reverse("portal:job_status", args=[job.pk]), **HTMX).content.decode()
        row = Job.objects.get(pk=job.pk)
        assert (row.progress_done, row.message) != (7, "inside")  # the column write is not visible here
        assert 'value="35"' in page
        assert "已导入 7 行" in page
        # The reaper is not blocked by the runner's row lock: the cached heartbeat is fresh, it leaves the job.
        assert services.jobs_reap_stale(now=timezone.now()) == {"requeued": 0, "failed": 0}
    finally:
        release.set()
        runner.join(30)
        unregister("tests.holding")
    job.refresh_from_db()
    assert (job.state, job.message) == (JobState.DONE, "完成")


def test_it_shows_the_owner_the_page_and_polls_only_while_live(django_capture_on_commit_callbacks, client, owner):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.job_start(kind=ECHO, owner=owner, params={"file": True})
    client.force_login(owner)
    url = reverse("portal:job_status", args=[job.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "测试：回显" in page.content.decode()
    live = client.get(url, **HTMX).content.decode()
    assert "<html" not in live
    assert 'hx-trigger="every 2s"' in live
    assert "等待执行" in live
    callbacks[0]()
    done = client.get(url, **HTMX).content.decode()
    assert "hx-trigger" not in done
    assert 'value="100"' in done
    assert "名册已导入" in done
    assert reverse("portal:job_download", args=[job.pk]) in done
    assert "身份证号格式不正确" not in done  # no result template registered for this kind


def test_it_includes_the_kinds_result_template(django_capture_on_commit_callbacks, client, owner, tmp_path, settings):
    (tmp_path / "kind").mkdir()
    (tmp_path / "kind" / "_result.html").write_text(
        "{% for error in result.errors %}<li>第 {{ error.row }} 行：{{ error.message }}</li>{% endfor %}"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    register("tests.with_result", echo_run, title="测试：结果", result_template="kind/_result.html")
    try:
        job = run_started(django_capture_on_commit_callbacks, owner, kind="tests.with_result")
        client.force_login(owner)
        page = client.get(reverse("portal:job_status", args=[job.pk]), **HTMX).content.decode()
    finally:
        unregister("tests.with_result")
    assert "<li>第 2 行：身份证号格式不正确</li>" in page


def test_it_downloads_the_result_file_as_an_attachment(django_capture_on_commit_callbacks, client, owner):
    job = run_started(django_capture_on_commit_callbacks, owner, params={"file": True})
    assert job.result_file.name.startswith("jobs/") and job.result_file.name.endswith(".csv")
    assert "导入结果" not in job.result_file.name  # random stored name; the real one only on download
    client.force_login(owner)
    response = client.get(reverse("portal:job_download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "csv" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"id,name\n1,a\n"


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", ["portal:job_status", "portal:job_download"])
def test_it_answers_404_to_anybody_but_the_owner(
    django_capture_on_commit_callbacks, client, owner, stranger, secretary, method, name
):
    job = run_started(django_capture_on_commit_callbacks, owner, organization=None, params={"file": True})
    url = reverse(name, args=[job.pk])
    for user in (stranger, secretary):
        client.force_login(user)
        assert getattr(client, method)(url).status_code == 404
        assert getattr(client, method)(url, **HTMX).status_code == 404
    assert getattr(client, method)(reverse(name, args=[job.pk + 1000])).status_code == 404


def test_it_shows_a_job_to_a_superuser(django_capture_on_commit_callbacks, client, owner):
    job = run_started(django_capture_on_commit_callbacks, owner)
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    enrol_totp(superuser)
    assert list(jobs_visible_to(superuser)) == [job]
    client.force_login(superuser)
    assert client.get(reverse("portal:job_status", args=[job.pk])).status_code == 200


def test_it_lets_the_owner_cancel_a_queued_job_but_not_a_running_one(django_capture_on_commit_callbacks, client, owner):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.job_start(kind=ECHO, owner=owner, params={})
        running = services.job_start(kind=ECHO, owner=owner, params={"other": True})
    services.job_claim(job_id=running.pk)
    client.force_login(owner)
    assert client.post(reverse("portal:job_status", args=[job.pk])).status_code == 302
    assert client.post(reverse("portal:job_status", args=[running.pk])).status_code == 302
    job.refresh_from_db()
    running.refresh_from_db()
    assert (job.state, running.state) == (JobState.CANCELLED, JobState.RUNNING)
    callbacks[0]()  # the task delivered after the cancel finds nothing to claim
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.CANCELLED, 0)


def _running(owner, *, kind=ECHO, attempts=1, beat_minutes_ago=10, params=None) -> Job:
    beat = timezone.now() - datetime.timedelta(minutes=beat_minutes_ago)
    params = params or {}
    job = Job.objects.create(
        kind=kind,
        owner=owner,
        params=params,
        params_key=job_params_key(kind=kind, organization_id=None, params=params),
        state=JobState.RUNNING,
        attempts=attempts,
        started_at=beat,
        heartbeat_at=beat,
    )
    progress_forget(job.pk)  # ids repeat between test runs; a shared (Redis) cache may hold an old entry
    return job


def test_it_requeues_a_stale_running_job_and_runs_it_again(django_capture_on_commit_callbacks, owner):
    job = _running(owner, attempts=1)  # ECHO allows 2 attempts
    with django_capture_on_commit_callbacks(execute=True):
        assert services.jobs_reap_stale(now=timezone.now()) == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert (job.state, job.attempts, job.message) == (JobState.DONE, 2, "名册已导入")


def test_it_fails_a_stale_running_job_after_its_last_attempt(django_capture_on_commit_callbacks, owner):
    last = _running(owner, attempts=2)
    single = _running(owner, kind=FAILING, attempts=1)  # one attempt: never run twice
    unknown = _running(owner, kind="nobody.knows", attempts=1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.jobs_reap_stale(now=timezone.now()) == {"requeued": 0, "failed": 3}
    assert callbacks == []
    for job in (last, single, unknown):
        job.refresh_from_db()
        assert (job.state, job.message) == (JobState.FAILED, "任务执行中断，请重新提交。")
        assert job.finished_at is not None


def test_it_leaves_a_running_job_whose_heartbeat_is_fresh(owner):
    old_column = _running(owner, beat_minutes_ago=10)
    ProgressReporter(old_column)(1, 5)  # the cache carries the beat (column not written in a transaction)
    _running(owner, beat_minutes_ago=1, params={"n": 2})
    assert jobs_reap_stale.apply(kwargs={"now": timezone.now().isoformat()}).get() == {"requeued": 0, "failed": 0}
    assert Job.objects.filter(state=JobState.RUNNING).count() == 2
    progress_forget(old_column.pk)
    later = timezone.now() + datetime.timedelta(minutes=30)
    assert services.jobs_reap_stale(now=later) == {"requeued": 2, "failed": 0}


def test_it_ignores_the_end_of_an_attempt_the_reaper_already_took_back(owner):
    job = _running(owner, attempts=1)
    services.jobs_reap_stale(now=timezone.now())
    assert services.job_finish(job=job, outcome=JobOutcome(message="迟到的结果")) is False
    job.refresh_from_db()
    assert (job.state, job.message) == (JobState.QUEUED, "任务执行中断，已重新排队。")


def test_it_saves_the_input_file_under_a_random_name(django_capture_on_commit_callbacks, owner):
    with django_capture_on_commit_callbacks(execute=False):
        job = services.job_start(
            kind=ECHO, owner=owner, params={}, input_file=ContentFile(b"data", name="党员名册.xlsx")
        )
    assert job.input_file.name.startswith("jobs/") and job.input_file.name.endswith(".xlsx")
    assert "党员名册" not in job.input_file.name
    with job.input_file.open("rb") as handle:
        assert handle.read() == b"data"


def test_it_renders_the_status_partial_in_a_fixed_number_of_queries(
    django_capture_on_commit_callbacks, client, owner, django_assert_max_num_queries
):
    job = run_started(django_capture_on_commit_callbacks, owner, params={"file": True, "total": 500})
    client.force_login(owner)
    url = reverse("portal:job_status", args=[job.pk])
    with django_assert_max_num_queries(3):  # session, user, job
        assert client.get(url, **HTMX).status_code == 200


def test_it_has_a_beat_entry_for_the_reaper(settings):
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "portal.jobs.tasks.jobs_reap_stale" in entries


def test_it_shows_a_failed_jobs_error_in_the_read_only_admin(django_capture_on_commit_callbacks, client, owner):
    job = run_started(django_capture_on_commit_callbacks, owner, kind=CRASHING)
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    enrol_totp(superuser)
    client.force_login(superuser)
    page = client.get(reverse("admin:portal_job_change", args=[job.pk]))
    assert page.status_code == 200
    assert "RuntimeError: boom" in page.content.decode()
    assert client.post(reverse("admin:portal_job_delete", args=[job.pk])).status_code == 403
    assert Job.objects.filter(pk=job.pk).exists()
