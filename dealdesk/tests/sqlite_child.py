"""Run a script against the demo's embedded SQLite database, in a child process.

The suite runs on PostgreSQL; what must also work on the demo's SQLite (hand-written SQL,
row locking, concurrent writers) is run in a child process on a fresh SQLite file,
configured exactly as ``make demo`` configures it. The script sets Django up itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import django
from django.core.management import call_command

django.setup()
call_command("migrate", verbosity=0)
"""


def run_on_sqlite(script: str, directory: Path) -> str:
    """Run ``SETUP`` and then ``script`` on a SQLite file in ``directory``; its output.
    Fails the test with the end of its error output when the script fails."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{directory / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "dealdesk.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", SETUP + script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout
