"""The benchmark's baseline views exist only in a server started with DEALDESK_BENCH=1."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve


def test_bench_baselines_are_not_routed_by_default() -> None:
    assert settings.DEALDESK_BENCH is False
    for path in ("/bench/page/public-20/", "/bench/webhook/"):
        with pytest.raises(Resolver404):
            resolve(path)


@pytest.mark.django_db
def test_bench_webhook_baseline_is_a_404_by_default() -> None:
    assert (
        Client().post("/bench/webhook/", data=b"{}", content_type="application/json").status_code
        == 404
    )
