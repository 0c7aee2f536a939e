"""Operations: the workspace's Stripe events, their processing, and "Process again"."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dealdesk.payments.event_retry import event_retry
from dealdesk.payments.models import WebhookEvent, WebhookStatus
from dealdesk.payments.selectors import workspace_stripe_events
from dealdesk.workspaces.access import MemberRequest, admin_required
from dealdesk.workspaces.listing import search_and_paginate


@require_GET
@admin_required
def stripe_events(request: MemberRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    events = workspace_stripe_events(request.workspace, status=status)
    context = search_and_paginate(request, events, ["type", "stripe_event_id"])
    return render(
        request,
        "payments/stripe_events.html",
        {
            **context,
            "status": status if status in WebhookStatus.values else "",
            "statuses": WebhookStatus.choices,
            "filtered": status in WebhookStatus.values,
        },
    )


@require_POST
@admin_required
def stripe_event_process_again(request: MemberRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(WebhookEvent, pk=pk, workspace=request.workspace)
    if event_retry(event=event):
        messages.success(
            request,
            _("Event %(event)s will be processed again.") % {"event": event.stripe_event_id},
        )
    else:
        messages.info(request, _("This event has not failed: there is nothing to do again."))
    return redirect("payments:stripe_events")
