"""Filing a template plan adopted by 2,000 branches: how long the task generation takes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lxyz_bench_plans .venv/bin/python bench/bench_plan_filing.py

The database is created when missing and seeded with `seed_demo --branches 2000` (about 50,000 members).
A committee above all of them publishes a 12-month template; every branch adopts it and submits it (timed
separately), then an officer files all 2,000 plans (批量备案, 200 at a time), which turns each item into one
task per member in its audience. Goal: filing ≤ 30 s in all on this machine. Re-running drops the study data first.

Notifications are enqueued to Redis (REDIS_URL, default database 9 of the local server, emptied at the end)
as in production, where a worker sends them; the timed figure is the work of the filing itself.
"""

import argparse
import datetime
import io
import os
import time

import benchdb

# The committee's "批量备案" files the selected plans in one transaction; the page takes up to this many.
FILE_BATCH = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=2000)
    args = parser.parse_args()
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"  # no console flood
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
    url = benchdb.configure_environment()
    benchdb.ensure_database(url)
    benchdb.setup_django()

    from django.core.management import call_command
    from django.db import connection

    from branches.models import Member, MemberStatus, Organization, OrganizationKind, Role, RoleKind, User
    from study.models import Audience, StudyForm, StudyPlan, StudyTask
    from study.plans import services

    if Organization.objects.filter(kind=OrganizationKind.BRANCH).count() < args.branches:
        started = time.perf_counter()
        call_command("seed_demo", f"--branches={args.branches}", stdout=io.StringIO())
        print(f"seed_demo --branches {args.branches}: {time.perf_counter() - started:.1f} s")

    with connection.cursor() as cursor:  # a clean slate for the study data
        cursor.execute(
            "TRUNCATE study_studytask, study_planstatuschange, study_studyplanitem_materials, "
            "study_studyplanitem, study_studyplan, notifications_reminder, notifications_notification "
            "RESTART IDENTITY CASCADE"
        )

    year = datetime.date.today().year
    branches = list(Organization.objects.filter(kind=OrganizationKind.BRANCH).order_by("path")[: args.branches])
    top = Organization.objects.get(parent__isnull=True)
    officer = User.objects.filter(roles__kind=RoleKind.ADMINISTRATOR, roles__organization=top).first()
    if officer is None:
        officer = User.objects.create(username="bench-officer")
        Role.objects.create(user=officer, organization=top, kind=RoleKind.ADMINISTRATOR)

    template = services.plan_create(
        organization=top, year=year, title=f"{year}年度学习计划（模板）", created_by=officer, is_template=True
    )
    for month in range(1, 13):
        services.plan_item_save(
            plan=template,
            month=month,
            topic=f"{month}月：学习党章第{month}章",
            form=StudyForm.COLLECTIVE if month % 3 == 0 else StudyForm.SELF_STUDY,
            audience=Audience.ALL,
            due_date=datetime.date(year, month, 25),
            hours=3,
        )
    services.template_publish(plan=template, published_by=officer)

    started = time.perf_counter()
    plans = [services.plan_adopt_template(template=template, organization=b, adopted_by=officer) for b in branches]
    adopt_seconds = time.perf_counter() - started

    started = time.perf_counter()
    for plan in plans:
        services.plan_submit(plan=plan, submitted_by=officer)
    submit_seconds = time.perf_counter() - started

    with connection.cursor() as cursor:
        # Fresh statistics, as autovacuum would give a production server (it is off on this machine).
        cursor.execute("ANALYZE")
    started = time.perf_counter()
    for start in range(0, len(plans), FILE_BATCH):
        services.plans_file(plans=plans[start : start + FILE_BATCH], filed_by=officer)
    file_seconds = time.perf_counter() - started

    members = Member.objects.filter(organization__in=branches, status=MemberStatus.ACTIVE).count()
    tasks = StudyTask.objects.count()
    print(f"machine: {benchdb.machine()}; PostgreSQL {benchdb.postgres_version()}")
    print(f"branches: {len(branches)}, active members: {members}, plans: {StudyPlan.objects.count()}")
    print(f"adopt template: {adopt_seconds:.1f} s")
    print(f"submit: {submit_seconds:.1f} s")
    print(f"file (task generation): {file_seconds:.1f} s for {tasks} tasks — goal ≤ 30 s")
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # the queued notifications: no worker here


if __name__ == "__main__":
    main()
