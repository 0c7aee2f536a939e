from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from dealdesk.payments import services
from dealdesk.payments import stripe_gateway as gateway
from dealdesk.payments.csp import allow_stripe_connect
from dealdesk.payments.selectors import payment_readiness, recent_connections, stripe_activity
from dealdesk.payments.tasks import events_kick
from dealdesk.payments.webhooks import webhook_store
from dealdesk.workspaces.access import MemberRequest, admin_required, member_required


@member_required
@allow_stripe_connect  # its Connect with Stripe form ends on Stripe's OAuth page
def integrations(request: MemberRequest) -> HttpResponse:
    readiness = payment_readiness(request.workspace)
    connection = readiness.connection
    return render(
        request,
        "payments/integrations.html",
        {
            "readiness": readiness,
            "connection": connection,
            "history": recent_connections(request.workspace),
            "activity": stripe_activity(request.workspace),
            "dashboard_url": (
                gateway.dashboard_url(
                    account_id=connection.account_id, livemode=connection.livemode
                )
                if connection
                else ""
            ),
        },
    )


@require_POST
@admin_required
def stripe_connect(request: MemberRequest) -> HttpResponse:
    url = services.connect_start(
        session=request.session, workspace=request.workspace, user=request.user
    )
    return redirect(url)


@require_GET
@admin_required
def stripe_callback(request: MemberRequest) -> HttpResponse:
    try:
        connection = services.connect_complete(
            session=request.session,
            workspace=request.workspace,
            user=request.user,
            params=request.GET.dict(),
        )
    except services.ConnectError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Stripe account %(account)s connected.")
            % {"account": connection.account_name or connection.account_id},
        )
    return redirect("payments:integrations")


@require_POST
@admin_required
def stripe_recheck(request: MemberRequest) -> HttpResponse:
    connection = payment_readiness(request.workspace).connection
    if connection is None:
        return redirect("payments:integrations")
    try:
        connection = services.connection_recheck(connection=connection, user=request.user)
    except gateway.StripeGatewayError as error:
        messages.error(request, error.message)
    else:
        if connection.can_accept_payments:
            messages.success(request, _("Checked with Stripe: ready to accept payments."))
        elif connection.is_connected:
            messages.warning(request, _("Checked with Stripe: the account is not activated yet."))
        else:
            messages.error(request, _("Stripe says this account revoked DealDesk's access."))
    return redirect("payments:integrations")


@require_POST
@admin_required
def stripe_disconnect(request: MemberRequest) -> HttpResponse:
    connection = payment_readiness(request.workspace).connection
    if connection is None:
        return redirect("payments:integrations")
    try:
        services.connection_disconnect(connection=connection, user=request.user)
    except services.ConnectError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Stripe disconnected. Published quotes no longer offer Purchase."),
        )
    return redirect("payments:integrations")


@csrf_exempt  # Stripe signs the request instead; the signature is checked first.
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE from its Content-Length,
        # before reading it; no Stripe event comes near that size.
        payload = request.body
    except RequestDataTooBig:
        return HttpResponseBadRequest("payload too large")
    try:
        event = gateway.verified_event(
            payload=payload, signature_header=request.headers.get("Stripe-Signature")
        )
    except gateway.InvalidSignature:
        return HttpResponseBadRequest("invalid signature")
    except gateway.NotAnEvent:
        return HttpResponseBadRequest("not a Stripe event")
    # One autocommit INSERT; only a new event queues processing, and a burst of them one
    # drain between them (a re-delivery is answered 200 and changes nothing).
    if webhook_store(event=event) is not None:
        transaction.on_commit(events_kick)
    return HttpResponse(status=200)
