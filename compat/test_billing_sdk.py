"""Stripe Billing in the emulator, through the official Python SDK unchanged: recurring prices, a customer on a
test clock with a default payment method, a subscription renewed by advancing the clock, a failed renewal paid
with another card, a cancel, the billing portal."""
import time

import pytest


@pytest.fixture()
def client(emulator):
    import stripe
    return stripe.StripeClient("sk_test_compat", base_addresses={"api": emulator}, max_network_retries=0)


START = 1_767_225_600  # 2026-01-01T00:00:00Z


def test_a_subscription_renews_on_a_test_clock_and_a_failed_renewal_is_paid(client):
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": START, "name": "compat"})
    customer = client.v1.customers.create({
        "email": "member@example.com", "test_clock": clock.id, "payment_method": "pm_card_chargeCustomerFail",
        "invoice_settings": {"default_payment_method": "pm_card_chargeCustomerFail"}})
    # A test id is a template, as at Stripe: the customer's card is a PaymentMethod made from it.
    default = customer.invoice_settings.default_payment_method
    assert default.startswith("pm_") and default != "pm_card_chargeCustomerFail"
    assert client.v1.payment_methods.retrieve(default).card.last4 == "0341"
    price = client.v1.prices.create({
        "product_data": {"name": "Membership"}, "currency": "eur", "unit_amount": 900, "recurring": {"interval": "month"},
        "lookup_key": f"member-{time.time_ns()}"})
    assert client.v1.prices.list({"lookup_keys": [price.lookup_key]}).data[0].id == price.id
    subscription = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}]})
    assert subscription.status == "active"
    # The SDK's own types read the current version's shape: the period lives on the items.
    assert subscription["items"].data[0].current_period_end == 1_769_904_000

    client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": 1_769_904_000 + 7200})
    subscription = client.v1.subscriptions.retrieve(subscription.id)
    assert subscription.status == "past_due"
    invoice = [i for i in client.v1.invoices.list({"subscription": subscription.id}).data if i.status == "open"][0]
    assert invoice.parent.subscription_details.subscription == subscription.id and invoice.attempt_count == 1
    paid = client.v1.invoices.pay(invoice.id, {"payment_method": "pm_card_visa"})
    assert paid.status == "paid"
    assert client.v1.subscriptions.retrieve(subscription.id).status == "active"

    portal = client.v1.billing_portal.sessions.create({"customer": customer.id, "return_url": "https://shop.example/account"})
    assert portal.url.startswith("http")
    canceled = client.v1.subscriptions.cancel(subscription.id)
    assert canceled.status == "canceled"
    with pytest.raises(Exception):
        client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": "price_missing"}]})
