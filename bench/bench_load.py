"""Throughput of a running gunicorn on loopback under the member/secretary mix (issue "Speed", goal 3).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lxyz_bench_NAME REDIS_URL=redis://127.0.0.1:6379/N \\
        .venv/bin/python bench/bench_load.py [--before /work/main] [--seconds 15]

Against a district-scale database (bench/benchdb.py; `--root`, default BJ-CY): 20 members with an account, each
on 我的学习 (`study:my_study`), and 5 branch secretaries, each on their branch's month page (`activities:month`),
logged in by session cookies made here. For each server configuration it starts gunicorn on a free loopback port
with the production settings (`portal.settings.base`, DEBUG off, PORTAL_MFA_REQUIRED off: the run times pages,
not the login), waits for /healthz/, warms up, then runs 1, 10, 25 and 50 clients for `--seconds` each: a client
is a thread with a keep-alive connection that sends one request after the other (no think time), cycling through
the 25 users from its own starting point (20 : 5, the mix at every level), with `Accept-Encoding: gzip`.
It prints requests per second, p50/p95/p99 of all requests and of 我的学习 alone, errors, and the bytes sent.

Configurations: `after` is this checkout with its defaults (WEB_CONCURRENCY and WEB_THREADS unset: the settings'
per-core defaults, the pool, jit off, gzip); `before` (with `--before DIR`, e.g. the main checkout) is the code
in DIR started the way the issue measured it: `-w 2 --threads 4`, its own settings' defaults. Both use the same
database and the same virtual environment. The client runs on the same machine and takes part of its CPU.
Goal: 25 clients ≥ 80 req/s with p95 ≤ 400 ms; 1 client p50 ≤ 20 ms for 我的学习.
"""

import argparse
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import benchdb

LEVELS = (1, 10, 25, 50)
MEMBERS = 20
SECRETARIES = 5
WARM_UP_SECONDS = 3


@dataclass
class Target:
    path: str
    cookie: str
    page: str  # "study" or "month"


@dataclass
class Samples:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"study": [], "month": []})
    errors: int = 0
    bytes: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def make_targets(root_code: str) -> list[Target]:
    """20 members on 我的学习 and 5 secretaries on their month page, interleaved 4 : 1, with fresh sessions."""
    from django.test import Client
    from django.urls import reverse

    from branches.models import Member, MemberStatus, Organization, Role, RoleKind

    root = Organization.objects.get(code=root_code)
    members = list(
        Member.objects.filter(organization__path__startswith=root.path, status=MemberStatus.ACTIVE, user__isnull=False)
        .exclude(user__roles__kind=RoleKind.SECRETARY)
        .select_related("user")
        .order_by("pk")[:MEMBERS]
    )
    secretaries = list(
        Role.objects.filter(organization__path__startswith=root.path, kind=RoleKind.SECRETARY)
        .select_related("user")
        .order_by("pk")[:SECRETARIES]
    )
    if len(members) < MEMBERS or len(secretaries) < SECRETARIES:
        raise SystemExit(f"{root_code} needs {MEMBERS} members with accounts and {SECRETARIES} secretaries.")

    def cookie(user) -> str:
        client = Client()
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}"

    study = [Target(reverse("study:my_study"), cookie(member.user), "study") for member in members]
    month = [
        Target(reverse("activities:month", args=[role.organization_id]), cookie(role.user), "month")
        for role in secretaries
    ]
    targets = []
    for index in range(SECRETARIES):
        targets.extend(study[index * 4 : index * 4 + 4])
        targets.append(month[index])
    return targets


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(code: Path, port: int, extra_args: list[str], log: Path) -> subprocess.Popen:
    # gunicorn started through Python so that another checkout does not borrow this one's modules.
    boot = f"{benchdb.FORGET_EDITABLE_INSTALL}; from gunicorn.app.wsgiapp import run; sys.exit(run())"
    arguments = ["portal.wsgi", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", *extra_args]
    command = [sys.executable, "-c", boot, *arguments]
    environment = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH",)}
    environment["PYTHONPATH"] = str(code)
    process = subprocess.Popen(  # noqa: S603  # our own gunicorn, fixed arguments
        command, cwd=code, env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped: see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"gunicorn did not answer /healthz/ within 60 s: see {log}")


def client_loop(port: int, targets: list[Target], start: int, stop_at: float, samples: Samples) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    index = start
    local: dict[str, list[float]] = {"study": [], "month": []}
    errors = 0
    sizes: dict[str, int] = {}
    while time.monotonic() < stop_at:
        target = targets[index % len(targets)]
        index += 1
        headers = {"Cookie": target.cookie, "Accept-Encoding": "gzip", "Host": "127.0.0.1"}
        started = time.perf_counter()
        try:
            connection.request("GET", target.path, headers=headers)
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            errors += 1
            continue
        local[target.page].append(elapsed)
        sizes[target.page] = len(body)
    connection.close()
    with samples.lock:
        for page, values in local.items():
            samples.latencies[page].extend(values)
        samples.errors += errors
        samples.bytes.update(sizes)


def run_level(port: int, targets: list[Target], clients: int, seconds: float) -> tuple[Samples, float]:
    samples = Samples()
    started = time.monotonic()
    stop_at = started + seconds
    threads = [
        threading.Thread(target=client_loop, args=(port, targets, number * 7, stop_at, samples))
        for number in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.monotonic() - started


def report(label: str, clients: int, samples: Samples, elapsed: float) -> str:
    everything = samples.latencies["study"] + samples.latencies["month"]
    study = samples.latencies["study"]
    if not everything:
        return f"| {label} | {clients} | 0 | – | – | – | – | – | {samples.errors} |"
    p = benchdb.percentile
    return (
        f"| {label} | {clients} | {len(everything) / elapsed:.1f} | {p(everything, 0.5):.0f} | "
        f"{p(everything, 0.95):.0f} | {p(everything, 0.99):.0f} | {p(study, 0.5) if study else 0:.0f} | "
        f"{p(study, 0.95) if study else 0:.0f} | {samples.errors} |"
    )


def measure(label: str, code: Path, extra_args: list[str], targets: list[Target], seconds: float) -> list[str]:
    port = free_port()
    log = Path(f"/tmp/bench_load_{label}.log")  # noqa: S108
    process = start_gunicorn(code, port, extra_args, log)
    rows = []
    try:
        run_level(port, targets, 10, WARM_UP_SECONDS)
        for clients in LEVELS:
            samples, elapsed = run_level(port, targets, clients, seconds)
            rows.append(report(label, clients, samples, elapsed))
            print(rows[-1], f"(load {os.getloadavg()[0]:.2f}; gzip bytes {samples.bytes})", flush=True)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default="BJ-CY")
    parser.add_argument("--seconds", type=float, default=15, help="duration of each level (default 15)")
    parser.add_argument("--before", type=Path, help="checkout of the code to measure first, as the issue ran it")
    parser.add_argument("--after-args", default="", help="extra gunicorn arguments of the `after` run")
    args = parser.parse_args()
    url = benchdb.configure_environment()
    os.environ.setdefault("RECORDS_SIGNING_KEY", "bench-only-records-signing-key-0123456789abcdef")
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    benchdb.setup_django(migrate=False)
    from django.conf import settings

    print(f"database {url.rsplit('/', 1)[-1]}; {benchdb.machine()}; PostgreSQL {benchdb.postgres_version()}")
    print(f"cache {settings.CACHES['default']['BACKEND']}; {args.seconds:.0f} s per level after a warm-up")
    targets = make_targets(args.root)
    header = [
        "| server | clients | req/s | p50 ms | p95 ms | p99 ms | 我的学习 p50 | 我的学习 p95 | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(header))
    rows = []
    if args.before:
        rows += measure("before", args.before.resolve(), ["--workers", "2", "--threads", "4"], targets, args.seconds)
    workers = os.environ.get("WEB_CONCURRENCY") or str(2 * (os.cpu_count() or 1))
    threads = os.environ.get("WEB_THREADS") or "4"
    after_args = ["--workers", workers, "--threads", threads, *args.after_args.split()]
    rows += measure("after", benchdb.ROOT, after_args, targets, args.seconds)
    print("\n" + "\n".join(header + rows))
    print(f"load average at the end {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
