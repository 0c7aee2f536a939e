"""``manage.py stripe_events_catch_up [--workspace ID]``: fetch events Stripe could not deliver."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dealdesk.payments.event_catch_up import events_catch_up
from dealdesk.workspaces.models import Workspace


class Command(BaseCommand):
    help = (
        "List the events Stripe could not deliver to the webhook (last 30 days) for each "
        "connected Stripe account, and store and process the ones missing here."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", type=int, help="only this workspace's connection")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = None
        if options["workspace"] is not None:
            workspace = Workspace.objects.filter(pk=options["workspace"]).first()
            if workspace is None:
                raise CommandError(f"No workspace with id {options['workspace']}.")
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
