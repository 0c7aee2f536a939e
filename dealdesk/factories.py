"""factory_boy factories for tests: one per model, with sensible defaults."""

from typing import Any

import factory
from factory.django import DjangoModelFactory

from dealdesk.catalog.models import Billing, Product
from dealdesk.crm.models import Company, Contact, Deal, DealLineItem, Stage
from dealdesk.workspaces.models import Membership, Role, User, Workspace

PASSWORD = "correct-horse-battery-staple"


class WorkspaceFactory(DjangoModelFactory[Workspace]):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Workspace {n}")


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance: User, create: bool, results: Any = None) -> None:
        if create:
            instance.save()


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    workspace = factory.SubFactory(WorkspaceFactory)
    role = Role.SELLER


class ProductFactory(DjangoModelFactory[Product]):
    class Meta:
        model = Product

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    unit_amount_minor = 10_000
    currency = "EUR"
    billing = Billing.ONE_TIME
    recurring_interval = ""
    recurring_interval_count = None


class CompanyFactory(DjangoModelFactory[Company]):
    class Meta:
        model = Company

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Company {n}")


class ContactFactory(DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    workspace = factory.SubFactory(WorkspaceFactory)
    first_name = "Carol"
    last_name = factory.Sequence(lambda n: f"Buyer{n}")
    email = factory.Sequence(lambda n: f"carol{n}@buyer.example")


class DealFactory(DjangoModelFactory[Deal]):
    class Meta:
        model = Deal

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Deal {n}")
    currency = "EUR"
    stage = Stage.QUALIFIED


class DealLineItemFactory(DjangoModelFactory[DealLineItem]):
    class Meta:
        model = DealLineItem

    deal = factory.SubFactory(DealFactory)
    name = factory.Sequence(lambda n: f"Line {n}")
    quantity = 1
    unit_amount_minor = 10_000
    position = factory.Sequence(lambda n: n)
