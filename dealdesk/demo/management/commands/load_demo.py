from typing import Any

from django.core.management.base import BaseCommand

from dealdesk.demo.data import SELLER_EMAIL, load_demo


class Command(BaseCommand):
    help = "Create the demo workspace (once) and print its login."

    def handle(self, *args: Any, **options: Any) -> None:
        login = load_demo()
        state = "created" if login.created else "already there"
        self.stdout.write(self.style.SUCCESS(f"Demo workspace {state}."))
        self.stdout.write(
            "\n  Open      http://127.0.0.1:8000\n"
            f"  Sign in   {login.email}  /  {login.password}   (admin)\n"
            f"            {SELLER_EMAIL}  /  {login.password}   (seller)\n"
        )
        if login.quote_url:
            self.stdout.write(f"  A buyer's view of a published quote:\n  {login.quote_url}\n")
