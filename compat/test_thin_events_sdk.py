"""Event destinations and thin events, read by Stripe's official Python SDK unchanged: the SDK creates a
destination, verifies and parses each thin notification the emulator delivers, and fetches the event and
the related object through the emulator's API."""
import json
import time

import pytest
import requests

from conftest import Receiver, control


@pytest.fixture()
def client(emulator):
    import stripe
    return stripe.StripeClient("sk_test_compat", base_addresses={"api": emulator}, max_network_retries=0)


def paid_session(client, emulator, shipping=False):
    product = client.v1.products.create({"name": "Course"})
    price = client.v1.prices.create({"product": product.id, "currency": "eur", "unit_amount": 1500})
    params = {"mode": "payment", "success_url": "https://shop.example/ok", "line_items": [{"price": price.id, "quantity": 1}]}
    if shipping:
        params["shipping_address_collection"] = {"allowed_countries": ["NL"]}
    session = client.v1.checkout.sessions.create(params)
    form = {"outcome": "paid"}
    if shipping:
        form.update({"shipping[name]": "Ada Lovelace", "shipping[line1]": "Keizersgracht 1", "shipping[city]": "Amsterdam",
                     "shipping[postal_code]": "1015 CJ", "shipping[country]": "NL"})
    control(emulator, f"/checkout/sessions/{session.id}/complete", **form)
    return session


def destination(client, receiver, payload, events, **extra):
    return client.v2.core.event_destinations.create({
        "name": f"compat {payload}", "type": "webhook_endpoint", "event_payload": payload, "enabled_events": events,
        "webhook_endpoint": {"url": receiver.url}, "include": ["webhook_endpoint.signing_secret"], **extra})


def test_a_thin_notification_parses_and_fetches_its_event_and_object_with_the_sdk(client, emulator, receiver):
    import stripe
    made = destination(client, receiver, "thin", ["v1.checkout.session.completed"])
    secret = made.webhook_endpoint.signing_secret
    assert made.object == "v2.core.event_destination" and made.status == "enabled" and secret.startswith("whsec_")
    assert client.v2.core.event_destinations.retrieve(made.id).webhook_endpoint.signing_secret is None

    session = paid_session(client, emulator)
    (body, signature), = receiver.wait_for(
        lambda e: e.get("object") == "v2.core.event" and e.get("related_object", {}).get("id") == session.id)
    notification = client.parse_event_notification(body, signature, secret)
    assert type(notification).__name__ == "V1CheckoutSessionCompletedEventNotification"
    assert notification.related_object.url == f"/v1/checkout/sessions/{session.id}"
    fetched = notification.fetch_related_object()
    assert fetched.id == session.id and fetched.payment_status == "paid"
    event = notification.fetch_event()
    assert event.id == notification.id and event.type == "v1.checkout.session.completed"
    snapshot = client.v1.events.retrieve(event.snapshot_event)
    assert snapshot.type == "checkout.session.completed" and snapshot.data.object.id == session.id
    # The snapshot body is not a thin notification, and a wrong secret fails the SDK's check.
    with pytest.raises(stripe.SignatureVerificationError):
        client.parse_event_notification(body, signature, "whsec_wrong")
    with pytest.raises(ValueError):
        client.parse_event_notification_without_verification(json.dumps(snapshot.to_dict()))
    found = client.v2.core.events.list({"object_id": session.id})
    assert [e.id for e in found.data] == [notification.id]


def test_a_destination_is_pinged_disabled_enabled_and_listed(client, emulator):
    receiver = Receiver()  # its own: other tests' destinations send to the shared one
    made = destination(client, receiver, "thin", ["v1.checkout.session.completed"])
    secret = made.webhook_endpoint.signing_secret
    ping = client.v2.core.event_destinations.ping(made.id)
    (body, signature), = receiver.wait_for(lambda e: e.get("id") == ping.id)
    notification = client.parse_event_notification(body, signature, secret)
    assert notification.type == "v2.core.event_destination.ping"
    assert notification.fetch_related_object().id == made.id

    assert client.v2.core.event_destinations.disable(made.id).status == "disabled"
    quiet = paid_session(client, emulator)
    assert client.v2.core.event_destinations.enable(made.id).status == "enabled"
    loud = paid_session(client, emulator)
    receiver.wait_for(lambda e: e.get("related_object", {}).get("id") == loud.id)
    time.sleep(0.3)
    thin_ids = {json.loads(b).get("related_object", {}).get("id") for b, _ in receiver.deliveries}
    assert quiet.id not in thin_ids
    listed = [d.id for d in client.v2.core.event_destinations.list({"limit": 100}).data]
    assert made.id in listed
    with pytest.raises(Exception) as missing:
        client.v2.core.event_destinations.retrieve("ed_test_missing")
    assert getattr(missing.value, "http_status", None) == 404
    receiver.server.shutdown()


def test_a_snapshot_destination_sends_events_in_its_api_version(client, emulator, receiver):
    import stripe
    made = destination(client, receiver, "snapshot", ["checkout.session.completed"], snapshot_api_version="2026-10-28.endive")
    session = paid_session(client, emulator, shipping=True)
    matches = receiver.wait_for(
        lambda e: e.get("object") == "event" and e["data"]["object"]["id"] == session.id and e.get("api_version") == "2026-10-28.endive")
    body, signature = matches[0]
    event = stripe.Webhook.construct_event(body, signature, made.webhook_endpoint.signing_secret)
    shaped = event.data.object
    assert "shipping_details" not in shaped
    assert shaped.collected_information.shipping_details.address.city == "Amsterdam"
    # The forwarded endpoint, on the account's version, has the same session in the old shape.
    old, = receiver.wait_for(
        lambda e: e.get("object") == "event" and e["data"]["object"]["id"] == session.id and e.get("api_version") == "2023-08-16")
    assert json.loads(old[0])["data"]["object"]["shipping_details"]["address"]["city"] == "Amsterdam"


def test_an_event_generation_failure_resolved_reaches_thin_destinations(client, emulator, receiver):
    made = destination(client, receiver, "thin", ["v2.core.health.event_generation_failure.resolved"])
    control(emulator, "/event_generation_failure", failing="true")
    lost = paid_session(client, emulator)
    resolved = control(emulator, "/event_generation_failure", failing="false")
    (body, signature), = receiver.wait_for(lambda e: e.get("id") == resolved["resolved_event"])
    notification = client.parse_event_notification(body, signature, made.webhook_endpoint.signing_secret)
    assert notification.type == "v2.core.health.event_generation_failure.resolved"
    event = notification.fetch_event()
    assert event.data["impact"]["events_count"] >= 1 and "checkout.session.completed" in event.data["impact"]["event_types"]
    assert not [e for e in client.v1.events.list({"limit": 100}).data if e.data.object.to_dict().get("id") == lost.id]
