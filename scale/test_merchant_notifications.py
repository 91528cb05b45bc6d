"""The service's notifications to the merchant, checked as a merchant would check them: a `fulfill serve`
process (SQLite) with MERCHANT_WEBHOOK_URL and MERCHANT_WEBHOOK_SECRET, the Stripe emulator, and an endpoint
here that verifies every `Fulfillment-Signature` with the official Stripe SDK's `construct_event`. (Retries
through 500s, duplicates and the dead-and-replayed path are shown by the Swift end-to-end tests, whose retry
schedule is short.)"""
import http.server
import json
import os
import shutil
import tempfile
import threading

import pytest
import stripe
from cluster_fixtures import API_KEY, Emulator, Instance, wait_until

MERCHANT_SECRET = "whsec_merchant_notifications_secret"


class MerchantEndpoint:
    """Verifies each delivery with stripe.Webhook.construct_event and records the event (or the failure)."""

    def __init__(self):
        self.verified, self.raw, self.refused, self.lock = [], [], [], threading.Lock()
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    event = stripe.Webhook.construct_event(body, self.headers.get("Fulfillment-Signature"), MERCHANT_SECRET)
                except stripe.SignatureVerificationError as error:
                    with endpoint.lock:
                        endpoint.refused.append(str(error))
                    self.send_response(400)
                    self.end_headers()
                    return
                with endpoint.lock:
                    endpoint.verified.append(json.loads(body))
                    endpoint.raw.append((body, self.headers.get("Fulfillment-Signature")))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/merchant"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of_type(self, kind):
        with self.lock:
            return [event for event in self.verified if event["type"] == kind]


@pytest.fixture(scope="module")
def shop():
    workdir = tempfile.mkdtemp(prefix="merchant-")
    emulator = Emulator(workdir)
    merchant = MerchantEndpoint()
    instance = Instance("service", workdir, {
        "STRIPE_SECRET_KEY": API_KEY, "STRIPE_API_BASE": emulator.url,
        "DATABASE_URL": f"sqlite:{os.path.join(workdir, 'fulfillment.sqlite')}",
        "EMAIL_URL": f"folder:{os.path.join(workdir, 'emails')}", "LOG_LEVEL": "warning", "HOST": "127.0.0.1",
        "MERCHANT_WEBHOOK_URL": merchant.url, "MERCHANT_WEBHOOK_SECRET": MERCHANT_SECRET})
    endpoint = emulator.post("/v1/webhook_endpoints", {"url": instance.url + "/webhook", "enabled_events[]": "*"})
    instance.environment["STRIPE_WEBHOOK_SECRET"] = endpoint["secret"]
    instance.start()
    yield emulator, instance, merchant
    instance.stop()
    emulator.stop()
    merchant.server.shutdown()
    shutil.rmtree(workdir, ignore_errors=True)


def test_the_official_sdk_verifies_every_notification_and_sees_one_id_per_fact(shop):
    emulator, instance, merchant = shop
    product = emulator.post("/v1/products", {"name": "Course", "metadata[fulfillment]": "digital"})
    price = emulator.post("/v1/prices", {"product": product["id"], "currency": "eur", "unit_amount": 4900})
    session = emulator.post("/v1/checkout/sessions", {
        "mode": "payment", "success_url": instance.url + "/checkout/complete?session_id={CHECKOUT_SESSION_ID}",
        "customer_email": "jenny@example.com", "line_items[0][price]": price["id"], "line_items[0][quantity]": 1})
    emulator.post(f"/_emulator/checkout/sessions/{session['id']}/complete", {"outcome": "paid"})
    wait_until(lambda: merchant.of_type("checkout.fulfilled"), 30, "checkout.fulfilled")

    fulfilled = merchant.of_type("checkout.fulfilled")
    assert merchant.refused == [], merchant.refused
    assert len(fulfilled) == 1
    assert fulfilled[0]["id"].startswith("fev_")
    assert fulfilled[0]["data"]["object"]["id"] == session["id"]
    assert fulfilled[0]["data"]["object"]["lines"][0]["action"] == "digital"

    intent = emulator.get(f"/v1/checkout/sessions/{session['id']}", {"expand[]": "payment_intent"})["payment_intent"]
    emulator.post("/v1/refunds", {"charge": intent["latest_charge"]})
    wait_until(lambda: merchant.of_type("checkout.refunded"), 30, "checkout.refunded")
    refunded = merchant.of_type("checkout.refunded")[0]["data"]["object"]["after_payment"]
    assert refunded["fully_refunded"] is True and refunded["access"] == "revoked"


def test_a_tampered_notification_fails_the_sdks_check(shop):
    _, _, merchant = shop
    wait_until(lambda: merchant.raw, 30, "a notification")
    body, header = merchant.raw[0]
    stripe.Webhook.construct_event(body, header, MERCHANT_SECRET)  # the genuine one passes
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body.replace(b'"digital"', b'"physical"'), header, MERCHANT_SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, header, "whsec_some_other_secret")
