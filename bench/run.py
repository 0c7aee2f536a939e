"""`python -m bench.run`: every part of the benchmark, written to bench/results.md.

Figures are ratios from one run on a shared machine; see README.md in this folder.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime

from bench import stack
from bench.report import Section

PARTS = ("1", "2", "3", "5", "4")  # 4 last: it grows the database to 100,000 quotes


def _first(path: str, prefix: str) -> str:
    with open(path) as lines:
        return next((line for line in lines if line.startswith(prefix)), "")


def _machine() -> str:
    cpu = _first("/proc/cpuinfo", "model name").partition(":")[2].strip() or platform.processor()
    mem_gib = int(_first("/proc/meminfo", "MemTotal").split()[1]) / 1024 / 1024
    return f"{os.cpu_count()} CPUs ({cpu}), {mem_gib:.1f} GiB RAM, {platform.platform()}"


def _commit() -> str:
    out = subprocess.run(
        ["/usr/bin/git", "rev-parse", "--short", "HEAD"],
        cwd=stack.ROOT,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() or "unknown"


def _setup_django() -> None:
    os.environ.update({k: v for k, v in stack.server_env().items() if k not in {"DEALDESK_BENCH"}})
    os.environ["DJANGO_SETTINGS_MODULE"] = "dealdesk.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def run(parts: list[str], seconds: int) -> list[Section]:
    sections: list[Section] = []
    with stack.bench_database():
        _setup_django()
        from bench import public_page

        if "1" in parts:
            quotes = public_page.prepare()
            with stack.gunicorn():
                sections.append(public_page.measure(quotes, seconds))
            print(sections[-1].markdown(), flush=True)
        if "2" in parts:
            from bench import purchase

            section = purchase.measure(purchase.prepare(purchase.PURCHASES))
            sections.append(section)
            print(section.markdown(), flush=True)
        if "3" in parts:
            from bench import webhooks

            sections.append(webhooks.measure(seconds))
            print(sections[-1].markdown(), flush=True)
        if "5" in parts:
            from bench import memory

            sections.append(memory.measure())
            print(sections[-1].markdown(), flush=True)
        if "4" in parts:
            from bench import scale

            sections += scale.run(seconds=max(3, seconds // 2))
            print(*(s.markdown() for s in sections[-2:]), sep="\n", flush=True)
    return sections


def write_results(sections: list[Section], started: float, seconds: int) -> str:
    head = [
        "# DealDesk benchmarks",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Commit: {_commit()}",
        f"- Machine: {_machine()}",
        f"- Python {platform.python_version()}, gunicorn 2 sync workers, PostgreSQL, Redis, "
        "DEBUG off, all on 127.0.0.1; load from wrk in its own process "
        f"({seconds} s per measurement unless noted).",
        f"- Run time: {time.monotonic() - started:.0f} s.",
        "",
        "The machine is shared and noisy: read every figure as a ratio from one run against "
        "a baseline measured minutes apart on the same machine, not as an absolute speed.",
        "",
    ]
    targets = [target for section in sections for target in section.targets]
    summary = ["## Targets", "", *(target.line() for target in targets), ""]
    if any(not target.met for target in targets):
        summary += [
            "Where a target is missed, [README.md](README.md#what-the-misses-come-from) "
            "explains the cause from the figures of this run.",
            "",
        ]
    text = "\n".join(head + summary) + "\n".join(section.markdown() for section in sections)
    (stack.ROOT / "bench" / "results.md").write_text(text, encoding="utf-8")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parts", default=",".join(PARTS), help="e.g. 1,4")
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "8")))
    parser.add_argument("--no-write", action="store_true", help="print only, keep results.md")
    args = parser.parse_args()
    stack.VAR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    sections = run(args.parts.split(","), args.seconds)
    if not args.no_write:
        write_results(sections, started, args.seconds)
        print(f"Wrote bench/results.md in {time.monotonic() - started:.0f} s.", file=sys.stderr)


if __name__ == "__main__":
    main()
