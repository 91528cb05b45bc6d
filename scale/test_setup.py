"""`fulfill setup` against a running emulator: it creates the webhook endpoint for exactly the event types the
service handles and prints its secret once; run again it changes nothing; an endpoint someone edited is put
back, keeping its secret."""
import os
import subprocess
import tempfile

import pytest
from cluster_fixtures import API_KEY, BINARY, Emulator

# What the service's handlers take: both flows, then refunds and disputes.
EXPECTED = {
    "checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed",
    "checkout.session.expired", "source.chargeable", "source.failed", "source.canceled", "charge.pending",
    "charge.succeeded", "charge.failed", "charge.refunded", "charge.dispute.created", "charge.dispute.updated",
    "charge.dispute.closed",
    "payment_intent.requires_action", "payment_intent.processing", "payment_intent.succeeded",
    "payment_intent.payment_failed", "payment_intent.canceled",
    "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted", "invoice.paid",
    "invoice.payment_failed",
}


@pytest.fixture(scope="module")
def emulator():
    server = Emulator(tempfile.mkdtemp(prefix="setup-"))
    yield server
    server.stop()


def setup(emulator, *extra):
    environment = {**os.environ, "STRIPE_SECRET_KEY": API_KEY, "STRIPE_API_BASE": emulator.url,
                   "PUBLIC_URL": "https://shop.example", "LOG_LEVEL": "error"}
    environment.pop("STRIPE_WEBHOOK_SECRET", None)
    result = subprocess.run([BINARY, "setup", *extra], env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def endpoints(emulator):
    return [e for e in emulator.list_all("/v1/webhook_endpoints") if e["url"] == "https://shop.example/webhook"]


def test_setup_creates_the_endpoint_once_and_then_changes_nothing(emulator):
    first = setup(emulator)
    created = endpoints(emulator)
    assert len(created) == 1
    assert set(created[0]["enabled_events"]) == EXPECTED
    assert "created webhook endpoint " + created[0]["id"] in first
    secret_lines = [line for line in first.splitlines() if line.startswith("STRIPE_WEBHOOK_SECRET=whsec_")]
    assert len(secret_lines) == 1, first

    second = setup(emulator)
    assert "nothing changed" in second and "whsec_" not in second
    assert endpoints(emulator) == created


def test_setup_puts_back_an_edited_endpoint_and_keeps_its_secret(emulator):
    setup(emulator)
    endpoint = endpoints(emulator)[0]
    emulator.post(f"/v1/webhook_endpoints/{endpoint['id']}",
                  {"enabled_events[0]": "charge.succeeded", "enabled_events[1]": "customer.created"})
    output = setup(emulator)
    assert f"updated webhook endpoint {endpoint['id']}" in output
    assert "removed: customer.created" in output and "checkout.session.completed" in output
    assert "whsec_" not in output
    after = endpoints(emulator)
    assert len(after) == 1 and set(after[0]["enabled_events"]) == EXPECTED


def test_setup_makes_a_connect_endpoint_beside_the_platforms(emulator):
    setup(emulator)
    first = setup(emulator, "--connect")
    connect = [e for e in endpoints(emulator) if e.get("connect")]
    platform = [e for e in endpoints(emulator) if not e.get("connect")]
    assert len(connect) == 1 and len(platform) == 1, endpoints(emulator)
    assert set(connect[0]["enabled_events"]) == EXPECTED
    assert f"created Connect webhook endpoint {connect[0]['id']}" in first
    assert len([line for line in first.splitlines() if line.startswith("STRIPE_CONNECT_WEBHOOK_SECRET=whsec_")]) == 1
    assert "nothing changed" in setup(emulator, "--connect")


def test_setup_makes_an_event_destination_of_thin_events(emulator):
    first = setup(emulator, "--event-destination")
    destinations = [d for d in emulator.get("/v2/core/event_destinations", {"limit": 100, "include[0]": "webhook_endpoint.url"})["data"]
                    if d["webhook_endpoint"]["url"] == "https://shop.example/webhook"]
    assert len(destinations) == 1
    destination = destinations[0]
    assert destination["event_payload"] == "thin"
    assert set(destination["enabled_events"]) == {f"v1.{t}" for t in EXPECTED} | {"v2.core.health.event_generation_failure.resolved"}
    assert f"created event destination (thin events) {destination['id']}" in first
    assert len([line for line in first.splitlines() if line.startswith("STRIPE_WEBHOOK_SECRET=whsec_")]) == 1
    second = setup(emulator, "--event-destination")
    assert "nothing changed" in second and "whsec_" not in second
