"""``manage.py stripe_events_catch_up [--workspace ID]``: fetch events Stripe could not deliver."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from dealdesk.payments.event_catch_up import events_catch_up
from dealdesk.payments.management.workspace_option import WorkspaceCommand


class Command(WorkspaceCommand):
    help = (
        "List the events Stripe could not deliver to the webhook (last 30 days) for each "
        "connected Stripe account, and store and process the ones missing here."
    )

    workspace_help = "only this workspace's connection"

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = self.workspace(options)
        reports = events_catch_up(workspace=workspace)
        if not reports:
            self.stdout.write("No connected Stripe account.")
        failed = False
        for report in reports:
            line = f"{report.account_id}: {report.listed} undelivered, {report.stored} new"
            if report.error:
                failed = True
                self.stderr.write(f"{line}; stopped: {report.error}")
            else:
                self.stdout.write(line)
        if failed:
            raise CommandError("Some accounts could not be read from Stripe; run it again later.")
