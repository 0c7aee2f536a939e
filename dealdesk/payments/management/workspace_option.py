"""The ``--workspace ID`` option the Stripe repair commands share."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dealdesk.workspaces.models import Workspace


class WorkspaceCommand(BaseCommand):
    """A command that works on every workspace, or on the one ``--workspace`` names."""

    workspace_help = "only this workspace"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", type=int, help=self.workspace_help)

    def workspace(self, options: dict[str, Any]) -> Workspace | None:
        """The workspace asked for, None for all; an unknown id is an error."""
        if options["workspace"] is None:
            return None
        workspace = Workspace.objects.filter(pk=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace with id {options['workspace']}.")
        return workspace
