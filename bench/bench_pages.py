"""Every page that issue "Speed" (16) names, timed in-process for one checkout of the code.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lxyz_bench_NAME REDIS_URL=redis://127.0.0.1:6379/N \\
        .venv/bin/python bench/bench_pages.py [--code /path/to/another/checkout] [--runs 15]

Run it once with `--code` naming the checkout before a change and once without (this checkout), one right
after the other on the same copy of the district-scale database (bench/bench_compliance.py; never on
`lxyz_bench` itself: it adds rows), and compare. For each page: median and p95 of `--runs` requests through the
Django test client after 3 warm-ups, with the production settings (DEBUG off, Redis cache, MFA required), the
number of SQL queries, the HTML size, and the page's time divided by the bare time of all its SELECTs run again
on a plain psycopg connection.

Pages, as the issue lists them: the dashboard of 朝阳区委 (BJ-CY, 239 children), of the 20-branch BJ-CY-BENCH20
and of the 643-child BJ-CY-WIDE643 (added by bench_dashboard.ensure_wide_node), as a district officer; the
district's 情况通报; a filed meeting with about 31 attendees, as its branch's secretary; 我的学习 of a member with
about 15 tasks and of a member given 300 more (older overdue tasks, added here once); the branch page's htmx
to-do block, as the secretary.
"""

import argparse
import os
import sys
from pathlib import Path

BENCH315_TOPIC = "基准测试：逾期任务"
MANY_TASKS = 315


def ensure_many_tasks(member) -> int:
    """Give `member` plan tasks copied from other branches' items until they have MANY_TASKS: open, due on days
    spread over the three years before today (raw SQL, so that any checkout's models can run it)."""
    from django.db import connection

    from study.models import StudyTask

    have = StudyTask.objects.filter(member=member).count()
    if have >= MANY_TASKS:
        return have
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO study_studytask (created_at, updated_at, member_id, kind, item_id, item_key, meeting_id, topic,
                hours, organization_id, due_date, status, completed_at, reflection, closed_reason)
            SELECT now(), now(), %(member)s, 'plan', item_id, item_key, NULL, '', NULL, %(organization)s,
                current_date - (3 * row_number() OVER (ORDER BY item_key))::int, 'open', NULL, '', ''
            FROM (
                SELECT DISTINCT ON (item_key) item_id, item_key FROM study_studytask
                WHERE kind = 'plan' AND organization_id <> %(organization)s
                  AND item_key NOT IN (SELECT item_key FROM study_studytask WHERE member_id = %(member)s
                                       AND item_key IS NOT NULL)
                ORDER BY item_key
                LIMIT %(missing)s
            ) AS other
            """,
            {"member": member.pk, "organization": member.organization_id, "missing": MANY_TASKS - have},
        )
    return StudyTask.objects.filter(member=member).count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default="BJ-CY", help="code of the district measured (BJ-CY)")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--code", help="serve the pages from this checkout (default: this one)")
    parser.add_argument("--only", default="", help="only the pages whose label contains this (e.g. 情况通报)")
    parser.add_argument("--sql", action="store_true", help="print each page's SQL statements with their bare time")
    args = parser.parse_args()
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/10")

    import benchdb

    if args.code:
        benchdb.use_checkout(Path(args.code))
    import bench_compliance
    import bench_dashboard

    url = benchdb.configure_environment()
    os.environ["PORTAL_MFA_REQUIRED"] = "true"
    benchdb.setup_django(migrate=False)

    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from activities.models import Meeting, MeetingStatus
    from branches import services
    from branches.models import Member, MemberStatus, Organization, Role, RoleKind
    from study.models import StudyTask

    print(f"database: {url.rsplit('/', 1)[-1]}  PostgreSQL {benchdb.postgres_version()}")
    print(f"code:     {Path(settings.BASE_DIR).resolve()}")
    print(f"machine:  {benchdb.machine()}")
    root = Organization.objects.get(code=args.root)
    officer = bench_compliance.ensure_officer(root)
    wide = bench_dashboard.ensure_wide_node(root, bench_dashboard.WIDE_CHILDREN)
    if not officer.roles.filter(organization=wide).exists():
        services.role_assign(user=officer, organization=wide, kind=RoleKind.OFFICER)
    small = Organization.objects.get(code=bench_compliance.SMALL_CODE)
    meeting = (
        Meeting.objects.filter(organization__path__startswith=root.path, status=MeetingStatus.FILED)
        .annotate(attendees=Count("attendances"))
        .filter(attendees=31, host__isnull=False)
        .order_by("pk")
        .first()
    )
    secretary = Role.objects.filter(organization_id=meeting.organization_id, kind=RoleKind.SECRETARY).first().user
    members = (
        Member.objects.filter(organization__path__startswith=root.path, status=MemberStatus.ACTIVE, user__isnull=False)
        .exclude(user__roles__kind=RoleKind.SECRETARY)
        .annotate(tasks=Count("study_tasks"))
        .order_by("pk")
    )
    few = members.filter(tasks__gte=12, tasks__lte=18).first()
    many = members.filter(tasks__gte=12).exclude(pk=few.pk).first() if few else None

    def children(node) -> int:
        return Organization.objects.filter(parent=node).count()

    pages = [
        (f"dashboard {root.code} ({children(root)} children)", officer, reverse("reviews:dashboard", args=[root.pk])),
        (f"dashboard {small.code} (20 branches)", officer, reverse("reviews:dashboard", args=[small.pk])),
        (f"dashboard {wide.code} ({children(wide)} children)", officer, reverse("reviews:dashboard", args=[wide.pk])),
        (f"情况通报 {root.code}", officer, reverse("reviews:circular", args=[root.pk])),
        ("meeting detail (31 attendees)", secretary, reverse("activities:meeting_detail", args=[meeting.pk])),
    ]
    if few and many:  # a database without study plans (--no-study) has no 我的学习 to show
        many_count = ensure_many_tasks(many)
        few_count = StudyTask.objects.filter(member=few).count()
        pages += [
            (f"我的学习 ({few_count} tasks)", few.user, reverse("study:my_study")),
            (f"我的学习 ({many_count} tasks)", many.user, reverse("study:my_study")),
        ]
    pages.append(
        ("branch to-do block (htmx)", secretary, reverse("reviews:branch_todo", args=[meeting.organization_id]))
    )
    pages = [page for page in pages if args.only in page[0]]
    rows = []
    for label, user, path in pages:
        headers = {"HTTP_HX_REQUEST": "true"} if "htmx" in label else {}
        client = Client(HTTP_HOST="127.0.0.1", **headers)
        client.force_login(user)
        figures = bench_compliance.measure_page(client, path, args.runs, url)
        rows.append((label, figures))
        if args.sql:
            print(f"\n{label}")
            for statement in figures["statements"]:
                if statement.lstrip().upper().startswith("SELECT"):
                    print(f"  {bench_compliance.bare_sql_ms(url, [statement], 5):7.1f}  {statement[:200]}")
    print()
    print(
        f"{'page':<40} {'median ms':>9} {'p95 ms':>7} {'queries':>7} {'SQL ms':>7} {'all bare ms':>11} "
        f"{'page/bare':>9} {'KiB':>6}"
    )
    for label, f in rows:
        ratio = f["median"] / f["all_bare"] if f["all_bare"] else float("nan")
        print(
            f"{label:<40} {f['median']:>9.1f} {f['p95']:>7.1f} {f['queries']:>7} {f['sql']:>7.1f} "
            f"{f['all_bare']:>11.1f} {ratio:>9.1f} {f['bytes'] / 1024:>6.0f}"
        )
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    connection.close()


if __name__ == "__main__":
    sys.exit(main())
