from dealdesk.payments.templatetags.stripe_requirements import requirement_labels


def test_r2_stripe_requirements_read_in_the_sellers_words() -> None:
    labels = requirement_labels(
        [
            "external_account",
            "tos_acceptance.date",
            "tos_acceptance.ip",
            "representative.first_name",
            "representative.last_name",
            "company.structure",
        ]
    )

    assert labels == [
        "Bank account for payouts",
        "Acceptance of Stripe's terms of service",
        "Name of the account representative",
        "Company structure",
    ]
