"""Actions on the catalog."""

from django.db import transaction
from django.utils import timezone

from dealdesk.catalog.models import Product


@transaction.atomic
def product_archive(*, product: Product) -> None:
    """Hide a product from new deals. Deals and quotes that use it keep their copy."""
    Product.objects.filter(pk=product.pk, archived_at__isnull=True).update(
        archived_at=timezone.now()
    )


@transaction.atomic
def product_restore(*, product: Product) -> None:
    Product.objects.filter(pk=product.pk).update(archived_at=None)
