"""Part 5: resident memory of each gunicorn worker after 1,000 and after 10,000 page views."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench import fixtures, stack
from bench.report import Section, Target

FIRST, TOTAL = 1_000, 10_000
MAX_SECONDS = 300  # a bound on each run, should the machine be very slow


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def _views(path: str, count: int) -> int:
    """COUNT page views from a separate process; the number that failed."""
    done = subprocess.run(  # noqa: S603
        [stack.python(), "-m", "bench.load", path, str(count)],
        cwd=stack.ROOT,
        capture_output=True,
        text=True,
        timeout=MAX_SECONDS,
        check=True,
    )
    return int(done.stdout.strip())


def measure() -> Section:
    owner = fixtures.seller("Memory Co", account_id="acct_memory")
    quote = fixtures.published_quote(owner, 20, title="Memory")
    path = f"/q/{quote.token}/"
    with stack.gunicorn() as server:
        workers = server.worker_pids()
        failed = _views(path, FIRST)
        after_first = {pid: rss_kib(pid) for pid in workers}
        failed += _views(path, TOTAL - FIRST)
        after_all = {pid: rss_kib(pid) for pid in workers}
    section = Section(
        "5. Memory of a gunicorn worker (public page, 20 lines)",
        [
            "worker",
            f"RSS after {FIRST:,} views",
            f"after {TOTAL:,}",
            "growth",
        ],
    )
    growths = []
    for n, pid in enumerate(workers, 1):
        growth = after_all[pid] / after_first[pid] - 1
        growths.append(growth)
        section.rows.append(
            [
                str(n),
                f"{after_first[pid] / 1024:.1f} MiB",
                f"{after_all[pid] / 1024:.1f} MiB",
                f"{growth:+.1%}",
            ]
        )
    section.targets = [
        Target(
            "growth ≤ 10% from after the first 1,000 views",
            f"{max(growths):+.1%} (largest)",
            max(growths) <= 0.10,
        )
    ]
    section.notes.append(
        "Views are shared by the two workers; counts are over both. "
        f"{failed} failed responses. Load from `bench/load.py` (8 threads, exact counts)."
    )
    return section
