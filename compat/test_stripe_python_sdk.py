"""Stripe's official Python SDK, unchanged, against the emulator: what our own client does, the SDK does too."""
import json
import uuid

import pytest

from conftest import SECRET, control


def make_price(stripe, name="Course", amount=1500):
    product = stripe.Product.create(name=name, metadata={"fulfilment": "digital"})
    return stripe.Price.create(product=product.id, currency="eur", unit_amount=amount)


def test_creates_and_retrieves_a_session_with_expansion(stripe_sdk):
    price = make_price(stripe_sdk)
    session = stripe_sdk.checkout.Session.create(
        mode="payment", success_url="https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}",
        line_items=[{"price": price.id, "quantity": 2}], metadata={"cart": "42"}, customer_email="sdk@example.com",
        locale="es")
    assert session.id.startswith("cs_test_")
    assert session.locale == "es"
    assert session.amount_total == 3000
    fetched = stripe_sdk.checkout.Session.retrieve(session.id, expand=["line_items.data.price.product"])
    assert fetched.line_items.data[0].quantity == 2
    assert fetched.line_items.data[0].price.product.metadata["fulfilment"] == "digital"
    assert fetched.metadata["cart"] == "42"


def test_pages_through_line_items(stripe_sdk):
    prices = [make_price(stripe_sdk, name=f"Item {i}", amount=100 + i) for i in range(25)]
    session = stripe_sdk.checkout.Session.create(
        mode="payment", success_url="https://shop.example/ok",
        line_items=[{"price": p.id, "quantity": 1} for p in prices])
    first = stripe_sdk.checkout.Session.list_line_items(session.id, limit=10)
    assert len(first.data) == 10 and first.has_more
    items = list(stripe_sdk.checkout.Session.list_line_items(session.id, limit=10).auto_paging_iter())
    assert [i.description for i in items] == [f"Item {i}" for i in range(25)]


def test_creates_sources_and_charges_with_idempotency_keys(stripe_sdk, emulator):
    source = stripe_sdk.Source.create(
        type="ideal", amount=2500, currency="eur", redirect={"return_url": "https://shop.example/orders/1"},
        owner={"email": "jenny@example.com"})
    assert source.status == "pending"
    control(emulator, f"/sources/{source.id}/authorize", outcome="chargeable")
    key = "order-" + uuid.uuid4().hex
    first = stripe_sdk.Charge.create(amount=2500, currency="eur", source=source.id, idempotency_key=key)
    replayed = stripe_sdk.Charge.create(amount=2500, currency="eur", source=source.id, idempotency_key=key)
    assert first.id == replayed.id
    assert first.status == "succeeded"
    assert stripe_sdk.Source.retrieve(source.id).status == "consumed"


def test_a_paid_session_has_a_payment_intent_that_refunds_and_disputes_follow(stripe_sdk, emulator):
    price = make_price(stripe_sdk, amount=2000)
    session = stripe_sdk.checkout.Session.create(
        mode="payment", success_url="https://shop.example/ok", line_items=[{"price": price.id, "quantity": 1}])
    control(emulator, f"/checkout/sessions/{session.id}/complete", outcome="paid")
    paid = stripe_sdk.checkout.Session.retrieve(session.id, expand=["payment_intent.latest_charge"])
    intent = paid.payment_intent
    assert intent.object == "payment_intent" and intent.status == "succeeded" and intent.amount_received == 2000
    charge = intent.latest_charge
    assert charge.paid and charge.payment_intent == intent.id and charge.amount_refunded == 0

    partial = stripe_sdk.Refund.create(charge=charge.id, amount=500, idempotency_key=f"refund-{uuid.uuid4()}")
    assert partial.status == "succeeded" and partial.payment_intent == intent.id
    after_partial = stripe_sdk.Charge.retrieve(charge.id)
    assert after_partial.amount_refunded == 500 and not after_partial.refunded
    rest = stripe_sdk.Refund.create(payment_intent=intent.id)
    assert rest.amount == 1500
    assert stripe_sdk.Charge.retrieve(charge.id).refunded
    with pytest.raises(stripe_sdk.error.InvalidRequestError) as refused:
        stripe_sdk.Refund.create(charge=charge.id)
    assert refused.value.code == "charge_already_refunded"
    assert [r.id for r in stripe_sdk.Refund.list(charge=charge.id).data] == [rest.id, partial.id]

    other = stripe_sdk.checkout.Session.create(
        mode="payment", success_url="https://shop.example/ok", line_items=[{"price": price.id, "quantity": 1}])
    control(emulator, f"/checkout/sessions/{other.id}/complete", outcome="paid")
    other_charge = stripe_sdk.PaymentIntent.retrieve(stripe_sdk.checkout.Session.retrieve(other.id).payment_intent).latest_charge
    opened = control(emulator, f"/charges/{other_charge}/dispute", reason="fraudulent")
    assert stripe_sdk.Dispute.retrieve(opened["id"]).status == "needs_response"
    assert stripe_sdk.Charge.retrieve(other_charge).disputed
    control(emulator, f"/disputes/{opened['id']}/close", outcome="won")
    assert stripe_sdk.Dispute.retrieve(opened["id"]).status == "won"
    types = [e.type for e in stripe_sdk.Event.list(limit=100).data]
    assert {"charge.refunded", "charge.dispute.created", "charge.dispute.closed", "payment_intent.succeeded"} <= set(types)


def test_lists_events_with_wildcards_and_paging(stripe_sdk, emulator):
    price = make_price(stripe_sdk)
    session = stripe_sdk.checkout.Session.create(
        mode="payment", success_url="https://shop.example/ok", line_items=[{"price": price.id, "quantity": 1}])
    control(emulator, f"/checkout/sessions/{session.id}/complete", outcome="paid")
    events = stripe_sdk.Event.list(type="checkout.session.*", limit=3)
    assert events.data[0].type == "checkout.session.completed"
    assert events.data[0].data.object.id == session.id
    every = list(stripe_sdk.Event.list(limit=2).auto_paging_iter())
    assert len(every) >= 3
    assert len({e.id for e in every}) == len(every)


def test_raises_the_sdks_own_typed_errors(stripe_sdk):
    with pytest.raises(stripe_sdk.CardError) as declined:
        stripe_sdk.Charge.create(amount=500, currency="usd", source="tok_chargeDeclined")
    assert declined.value.code == "card_declined"
    assert declined.value.http_status == 402

    key = "idem-" + uuid.uuid4().hex
    stripe_sdk.Customer.create(email="a@example.com", idempotency_key=key)
    with pytest.raises(stripe_sdk.IdempotencyError):
        stripe_sdk.Customer.create(email="b@example.com", idempotency_key=key)

    with pytest.raises(stripe_sdk.InvalidRequestError) as invalid:
        price = make_price(stripe_sdk)
        stripe_sdk.checkout.Session.create(
            mode="payment", success_url="https://shop.example/ok",
            line_items=[{"price": price.id, "quantity": 1}] * 101)
    assert invalid.value.param == "line_items"

    with pytest.raises(stripe_sdk.InvalidRequestError):
        stripe_sdk.checkout.Session.retrieve("cs_test_does_not_exist")

    with pytest.raises(stripe_sdk.AuthenticationError):
        stripe_sdk.Product.list(api_key="sk_live_not_a_test_key_1234")


def test_raises_rate_limit_error_past_the_emulators_rate_limit(stripe_sdk, emulator):
    control(emulator, "/faults", rate_limit="3")
    try:
        with pytest.raises(stripe_sdk.RateLimitError) as limited:
            for _ in range(10):
                stripe_sdk.Product.list(limit=1)
        assert limited.value.http_status == 429
        assert limited.value.json_body["error"]["code"] == "rate_limit"
        assert limited.value.json_body["error"]["type"] == "invalid_request_error"
    finally:
        control(emulator, "/faults", rate_limit="0")


def test_verifies_webhook_signatures_with_construct_event(stripe_sdk, receiver):
    product = stripe_sdk.Product.create(name="Signed delivery")
    body, signature = receiver.wait_for(
        lambda e: e["type"] == "product.created" and e["data"]["object"]["id"] == product.id)[0]
    event = stripe_sdk.Webhook.construct_event(body, signature, SECRET)
    assert event.id.startswith("evt_")
    assert event.data.object.id == product.id
    with pytest.raises(stripe_sdk.SignatureVerificationError):
        stripe_sdk.Webhook.construct_event(body + b" ", signature, SECRET)
    with pytest.raises(stripe_sdk.SignatureVerificationError):
        stripe_sdk.Webhook.construct_event(body, signature, "whsec_wrong")


def test_payment_methods_are_made_saved_listed_and_detached_with_the_sdk(stripe_sdk):
    customer = stripe_sdk.Customer.create(email="returning@example.com")
    card = stripe_sdk.PaymentMethod.create(type="card", card={"token": "tok_visa"})
    assert card.type == "card" and card.card.last4 == "4242" and card.customer is None
    attached = stripe_sdk.PaymentMethod.attach(card.id, customer=customer.id)
    assert attached.customer == customer.id
    listed = stripe_sdk.PaymentMethod.list(customer=customer.id, type="card")
    assert [method.id for method in listed.auto_paging_iter()] == [card.id]
    debit = stripe_sdk.PaymentMethod.create(type="sepa_debit", sepa_debit={"iban": "DE62370400440532013001"})
    assert debit.sepa_debit.last4 == "3001"
    with pytest.raises(stripe_sdk.InvalidRequestError) as refused:
        stripe_sdk.PaymentMethod.create(type="sepa_debit", sepa_debit={"iban": "DE00370400440532013000"})
    assert refused.value.code == "invalid_bank_account_iban"
    with pytest.raises(stripe_sdk.InvalidRequestError) as sofort:
        stripe_sdk.PaymentMethod.create(type="sofort", sofort={"country": "DE"})
    assert "SOFORT" in str(sofort.value)
    assert stripe_sdk.PaymentMethod.retrieve("pm_card_chargeDeclined").card.last4 == "0002"
    assert stripe_sdk.PaymentMethod.detach(card.id).customer is None


def test_a_payment_intent_declined_then_paid_and_another_canceled_with_the_sdk(stripe_sdk):
    intent = stripe_sdk.PaymentIntent.create(amount=2500, currency="eur", metadata={"order_id": "ord_sdk"})
    assert intent.status == "requires_payment_method" and intent.client_secret.startswith(intent.id)
    with pytest.raises(stripe_sdk.CardError) as declined:
        stripe_sdk.PaymentIntent.confirm(intent.id, payment_method="pm_card_chargeDeclined")
    assert declined.value.http_status == 402 and declined.value.code == "card_declined"
    left = declined.value.error.payment_intent
    assert left.status == "requires_payment_method" and left.last_payment_error.message == "Your card was declined."
    assert stripe_sdk.PaymentIntent.retrieve(intent.id).status == "requires_payment_method"
    paid = stripe_sdk.PaymentIntent.confirm(intent.id, payment_method="pm_card_visa")
    assert paid.status == "succeeded" and stripe_sdk.Charge.retrieve(paid.latest_charge).status == "succeeded"
    secure = stripe_sdk.PaymentIntent.create(amount=900, currency="eur", payment_method="pm_card_threeDSecure2Required",
                                             confirm=True, return_url="https://x.example/back")
    assert secure.status == "requires_action" and secure.next_action.redirect_to_url.return_url == "https://x.example/back"
    assert stripe_sdk.PaymentIntent.cancel(secure.id).status == "canceled"
    with pytest.raises(stripe_sdk.InvalidRequestError):
        stripe_sdk.PaymentIntent.create(amount=900, currency="eur", payment_method_types=["sofort"])


def test_ideal_saved_for_later_leaves_a_generated_sepa_debit_charged_off_session(stripe_sdk, emulator):
    customer = stripe_sdk.Customer.create(email="returning@example.com")
    intent = stripe_sdk.PaymentIntent.create(
        amount=1500, currency="eur", customer=customer.id, setup_future_usage="off_session", payment_method_types=["ideal"],
        payment_method_data={"type": "ideal", "ideal": {"bank": "ing"}}, confirm=True, return_url="https://x.example/back")
    assert intent.status == "requires_action" and intent.next_action.redirect_to_url.url
    control(emulator, f"/payment_intents/{intent.id}/authorize", outcome="succeed")
    paid = stripe_sdk.PaymentIntent.retrieve(intent.id)
    assert paid.status == "succeeded"
    saved = stripe_sdk.PaymentMethod.list(customer=customer.id, type="sepa_debit").data
    assert len(saved) == 1 and saved[0].sepa_debit.generated_from.charge == paid.latest_charge
    later = stripe_sdk.PaymentIntent.create(
        amount=700, currency="eur", customer=customer.id, payment_method=saved[0].id, payment_method_types=["sepa_debit"],
        off_session=True, confirm=True)
    assert later.status == "processing"
    assert [i.id for i in stripe_sdk.PaymentIntent.list(customer=customer.id).data] == [later.id, intent.id]
