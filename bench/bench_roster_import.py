"""Time the import of a generated 50,000-row roster (xlsx) into an empty branch, and its re-import.

Run against PostgreSQL (the database is created and migrated when missing; the
demo tree is seeded with 40 branches when absent). Use a database of its own,
not the one of bench_tree_roster.py: the imported 50,000 members stay in it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lxyz_bench_import .venv/bin/python bench/bench_roster_import.py

Options: --rows N (default 50000), --keep-file PATH (also write the generated xlsx there).

The script empties the branch BJ-HD-BENCH-IMPORT (created under 海淀区委 with
four 党小组) before each run, writes the file with openpyxl (not timed), and
times `branches.roster.roster_import(organization=..., uploaded_file=...)`:
first into the empty branch (every row new), then the same file again
(every row unchanged). Goal: at most 60 s for 50,000 rows on the 2-core machine.
"""

import argparse
import io
import os
import time
from pathlib import Path

import benchdb

GOAL_SECONDS = 60
BRANCH_CODE = "BJ-HD-BENCH-IMPORT"
GROUP_NAMES = ("第一党小组", "第二党小组", "第三党小组", "第四党小组")
HEADERS = (
    "姓名",
    "性别",
    "身份证号",
    "民族",
    "学历",
    "手机号",
    "党员类型",
    "入党日期",
    "转正日期",
    "党小组",
    "职务/岗位",
    "类别",
)


def empty_branch():
    """The import branch, emptied of members (created on first use)."""
    from django.core.management import call_command
    from django.db import transaction

    from branches import services
    from branches.models import Member, Membership, Organization, OrganizationCategory, OrganizationKind, PartyGroup

    if not Organization.objects.filter(code="BJ-HD").exists():
        call_command("seed_demo", "--branches=40", stdout=io.StringIO())
    branch = Organization.objects.filter(code=BRANCH_CODE).first()
    if branch is None:
        branch = services.organization_create(
            parent=Organization.objects.get(code="BJ-HD"),
            name="海淀区中关村科技园区联合党支部",
            code=BRANCH_CODE,
            kind=OrganizationKind.BRANCH,
            category=OrganizationCategory.NON_PUBLIC_ENTERPRISE,
        )
    with transaction.atomic():
        PartyGroup.objects.filter(organization=branch).update(leader=None)
        members = Member.objects.filter(organization=branch)
        Membership.objects.filter(member__in=members).delete()
        members.delete()
    for name in GROUP_NAMES:
        if not PartyGroup.objects.filter(organization=branch, name=name).exists():
            services.group_create(organization=branch, name=name)
    return branch


def roster_xlsx(rows: int, today) -> bytes:
    from django.utils import translation
    from openpyxl import Workbook

    from branches import idnumbers
    from branches.models import Education, Gender, MemberCategory, MembershipType, MemberStatus
    from demo.tree import seed as tree

    members = tree.demo_roster_members(count=rows, today=today)
    check_no_collisions([idnumbers.digest(member.id_number) for member in members])
    with translation.override("zh-hans"):
        genders = {value: str(label) for value, label in Gender.choices}
        types = {value: str(label) for value, label in MembershipType.choices}
        educations = {value: str(label) for value, label in Education.choices}
        categories = [(category.value, str(category.label)) for category in MemberCategory]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(HEADERS)
    for number, member in enumerate(members):
        sheet.append(
            [
                member.name,
                genders[member.gender],
                member.id_number,
                member.ethnicity,
                educations[member.education],
                member.phone,
                types[member.membership_type],
                member.joined_on,
                member.full_member_on,
                GROUP_NAMES[number % len(GROUP_NAMES)] if number % 5 else "",
                member.position,
                "、".join(label for field, label in categories if getattr(member, field)),
            ]
        )
        assert member.status == MemberStatus.ACTIVE
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def check_no_collisions(digests: list[str]) -> None:
    from branches.models import Member

    for start in range(0, len(digests), 1000):
        taken = Member.objects.filter(id_number_digest__in=digests[start : start + 1000]).count()
        if taken:
            raise SystemExit(f"{taken} generated ID numbers are already registered; use another database.")


def timed_import(branch, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from branches.roster.services import roster_import

    upload = SimpleUploadedFile(
        "花名册.xlsx", content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    started = time.perf_counter()
    result = roster_import(organization=branch, uploaded_file=upload)
    seconds = time.perf_counter() - started
    if not result.ok:
        for error in result.errors[:20]:
            print(f"  line {error.line} {error.column}: {error.message}")
        raise SystemExit("the import reported errors")
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--keep-file", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lxyz_bench_import")
    url = benchdb.configure_environment()
    benchdb.ensure_database(url)
    benchdb.setup_django()

    from django.utils import timezone

    from branches.models import Member, Membership

    branch = empty_branch()
    started = time.perf_counter()
    content = roster_xlsx(args.rows, timezone.localdate())
    print(
        f"generated {args.rows} rows: {len(content) / 1024 / 1024:.1f} MiB xlsx "
        f"in {time.perf_counter() - started:.1f} s (not timed)"
    )
    if args.keep_file:
        args.keep_file.write_bytes(content)
    first, result = timed_import(branch, content)
    created = (result.created, result.updated, result.unchanged)
    second, again = timed_import(branch, content)
    print(f"database: {url}  PostgreSQL {benchdb.postgres_version()}")
    print(f"machine:  {benchdb.machine()}")
    print(
        f"import into an empty branch: {first:.1f} s (created/updated/unchanged = {created}), goal <= {GOAL_SECONDS} s"
    )
    print(
        f"re-import of the same file:  {second:.1f} s (created/updated/unchanged = "
        f"{(again.created, again.updated, again.unchanged)})"
    )
    members = Member.objects.filter(organization=branch)
    open_rows = Membership.objects.filter(member__organization=branch, ended_on__isnull=True).count()
    print(
        f"branch now holds {members.count()} members, {open_rows} open membership rows, "
        f"{members.filter(group__isnull=False).count()} in groups"
    )


if __name__ == "__main__":
    main()
