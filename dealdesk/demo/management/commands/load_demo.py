from typing import Any

from django.core.management.base import BaseCommand

from dealdesk.demo.data import SELLER_EMAIL, load_demo


class Command(BaseCommand):
    help = (
        "Create the demo workspace (once), connect it to the running Stripe sandbox's "
        "activated account, and print its login and a quote a buyer can pay."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        login = load_demo()
        state = "created" if login.created else "already there"
        self.stdout.write(self.style.SUCCESS(f"Demo workspace {state}."))
        self.stdout.write(
            "\n  Open      http://127.0.0.1:8000\n"
            f"  Sign in   {login.email}  /  {login.password}   (admin)\n"
            f"            {SELLER_EMAIL}  /  {login.password}   (seller)\n"
        )
        if login.stripe_account:
            self.stdout.write(f"  Stripe    connected to {login.stripe_account}\n")
        elif login.stripe_problem:
            self.stdout.write(
                self.style.WARNING(f"  Stripe    not connected: {login.stripe_problem}\n")
            )
        if login.quote_url and login.quote_payable:
            self.stdout.write(
                "  A quote a buyer can pay now (Purchase, card 4242 4242 4242 4242, any future\n"
                "  expiry date and CVC; 4000 0000 0000 0002 is declined):\n"
                f"  {login.quote_url}\n"
            )
        elif login.quote_url:
            self.stdout.write(f"  A buyer's view of a published quote:\n  {login.quote_url}\n")
        self.stdout.write(
            "\n  Connecting Stripe by hand: as the admin, Settings → Integrations → Disconnect,\n"
            "  then Connect with Stripe and allow access to a sandbox account (Northwind is\n"
            "  activated; Contoso is not yet, so quotes cannot take payments through it).\n"
        )
