"""The committee dashboard at district and city width, on a database that already holds a district's year (the one
`bench_compliance.py` builds; make a copy of it first, this script adds a node):

    createdb -h 127.0.0.1 -U postgres -T lxyz_bench lxyz_bench_mine
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lxyz_bench_mine .venv/bin/python bench/bench_dashboard.py
    # the same pages served by another checkout (e.g. main, for "before"), in the same run:
    DATABASE_URL=… .venv/bin/python bench/bench_dashboard.py --code /work/main

It measures `reviews:dashboard` for a district officer of 朝阳区委 (TOTP enrolled, PORTAL_MFA_REQUIRED on): the
district (239 children, 2,012 branches), the 20-branch 街道工委 BJ-CY-BENCH20, and a node of 643 children (the
width of 朝阳 at city scale), BJ-CY-WIDE643, added beside the district when missing (the officer is given it
too): 643 branches, each given the roll-up rows of an existing branch of the district (the node's own rows are
their sums), so its dashboard reads what a real node that wide reads. Per page: median and p95 server time over
`--runs` requests after 3 warm-ups, queries, the SQL time Django saw, the bare time of every SELECT of the page
re-run on a plain psycopg connection, the ratio of the two, and the size of the HTML.

Goals (issue 16): district ≤ 100 ms median and ≤ 2× its bare SQL, 20 branches ≤ 40 ms, 643 children ≤ 300 ms,
HTML ≤ 150 KiB. The measuring is `bench_pages.py`'s, restricted to the dashboards.
"""

import sys

WIDE_CODE = "BJ-CY-WIDE643"
WIDE_CHILDREN = 643


def ensure_wide_node(root, width: int):
    """A 街道工委 with `width` branches beside the root (under its parent, so the district keeps its own
    figures), each branch with the roll-up rows of an existing branch of the root."""
    from django.db import connection, transaction

    from branches.models import Organization, OrganizationCategory, OrganizationKind
    from reviews.models import ComplianceRollup

    node = Organization.objects.filter(code=WIDE_CODE).first()
    if node is not None:
        return node
    sources = list(
        Organization.objects.filter(path__startswith=root.path, kind=OrganizationKind.BRANCH)
        .filter(pk__in=ComplianceRollup.objects.values("node_id"))
        .order_by("path")
        .values_list("pk", flat=True)[:width]
    )
    with transaction.atomic():
        node = Organization(
            name="朝阳区基准测试宽工委",
            code=WIDE_CODE,
            kind=OrganizationKind.WORKING_COMMITTEE,
            category=OrganizationCategory.COMMUNITY,
            parent=root.parent,
            path=f"tmp-{WIDE_CODE}",
        )
        node.save()
        node.path = root.parent.path + Organization.path_segment(node.pk)
        node.depth = node.path.count("/")
        node.save(update_fields=["path", "depth"])
        children = Organization.objects.bulk_create(
            Organization(
                name=f"朝阳区基准测试宽工委第{i + 1}党支部",
                short_name=f"宽工委{i + 1}支部",
                code=f"{WIDE_CODE}-{i + 1:03d}",
                kind=OrganizationKind.BRANCH,
                category=OrganizationCategory.COMMUNITY,
                parent=node,
                path=f"tmp-{WIDE_CODE}-{i}",
            )
            for i in range(width)
        )
        for child in children:
            child.path = node.path + Organization.path_segment(child.pk)
            child.depth = child.path.count("/")
        Organization.objects.bulk_update(children, ["path", "depth"], batch_size=500)
        pairs = [(child.pk, sources[i % len(sources)]) for i, child in enumerate(children)]
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO reviews_compliancerollup (node_id, rule_code, period_key, period_kind, period_end, "
                "applicable, met) SELECT p.child, r.rule_code, r.period_key, r.period_kind, r.period_end, "
                "r.applicable, r.met FROM reviews_compliancerollup r "
                "JOIN unnest(%s::int[], %s::int[]) AS p(child, source) ON r.node_id = p.source",
                [[c for c, _s in pairs], [s for _c, s in pairs]],
            )
            cursor.execute(
                "INSERT INTO reviews_compliancerollup (node_id, rule_code, period_key, period_kind, period_end, "
                "applicable, met) SELECT %s, rule_code, period_key, min(period_kind), max(period_end), "
                "sum(applicable), sum(met) FROM reviews_compliancerollup WHERE node_id = ANY(%s) "
                "GROUP BY rule_code, period_key",
                [node.pk, [c for c, _s in pairs]],
            )
            cursor.execute("ANALYZE reviews_compliancerollup")
            cursor.execute("ANALYZE branches_organization")
    print(f"added {WIDE_CODE}: {width} branches with the roll-up rows of {len(sources)} branches of {root.code}")
    return node


def main() -> None:
    """The three dashboards of `bench_pages.py` (`--only dashboard`); its options (--root, --runs, --code, --sql)."""
    import bench_pages

    sys.argv = [sys.argv[0], "--only", "dashboard", *sys.argv[1:]]
    bench_pages.main()


if __name__ == "__main__":
    main()
