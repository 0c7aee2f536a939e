"""``manage.py stripe_reconcile [--workspace ID]``: repair what missed Stripe events left."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from dealdesk.payments.management.workspace_option import WorkspaceCommand
from dealdesk.payments.sync.reconcile import reconcile


class Command(WorkspaceCommand):
    help = (
        "Re-read every open purchase and every subscription that is not over from Stripe, "
        "record what differs, and print one line per change."
    )

    workspace_help = "only this workspace's purchases"

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = self.workspace(options)
        changed = failed = 0
        for repair in reconcile(workspace=workspace):
            if repair.error:
                failed += 1
                self.stderr.write(repair.line())
            else:
                changed += 1
                self.stdout.write(repair.line())
        if not changed and not failed:
            self.stdout.write("Nothing to repair: DealDesk agrees with Stripe.")
        if failed:
            raise CommandError("Some purchases could not be read from Stripe; run it again later.")
