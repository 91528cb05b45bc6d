"""The service's own HTTP API and its notifications, checked against the published OpenAPI 3.1 document
(`openapi/fulfillment.yaml`): a real `fulfill serve` (SQLite) and the emulator play a shop's history (every
kind of purchase, refunds, a dispute, orders paid and canceled), then every documented operation is called
and each answer is checked strictly against its schema (a field the document does not list fails), every
notification the merchant's endpoint receives is checked against its webhook's schema, and the answers a
released version recorded (`upgrade/fixtures`) are checked too: the document describes the release's answers,
so nothing it promised was renamed, removed or retyped."""
import glob
import hashlib
import hmac
import json
import os
import shutil
import sys
import tempfile
import time

import pytest
import requests
from openapi_spec_validator import validate as validate_document

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "upgrade"))
sys.path.insert(0, os.path.join(ROOT, "scale"))
import shop_history  # noqa: E402
from cluster_fixtures import ORDER_AUTH, Emulator, Instance  # noqa: E402
from published_contract import Contract  # noqa: E402

ADMIN = shop_history.ADMIN


@pytest.fixture(scope="module")
def shop():
    workdir = tempfile.mkdtemp(prefix="contract-")
    emulator = Emulator(workdir, "--settlement-seconds", "3600")
    merchant = shop_history.MerchantEndpoint()
    emails = os.path.join(workdir, "emails")
    database = f"sqlite:{os.path.join(workdir, 'fulfillment.sqlite')}"
    instance = Instance("contract", workdir, shop_history.service_environment(emulator, database, emails, merchant))
    endpoint = emulator.post("/v1/webhook_endpoints", {"url": instance.url + "/webhook", "enabled_events[]": "*"})
    instance.environment["STRIPE_WEBHOOK_SECRET"] = endpoint["secret"]
    instance.start()
    ids = shop_history.play(emulator, instance)
    yield emulator, instance, merchant, ids
    instance.stop()
    emulator.stop()
    merchant.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def contract():
    return Contract()


def call(contract, instance, method, template, path=None, **kwargs):
    response = requests.request(method, instance.url + (path or template), timeout=30, **kwargs)
    body = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else None
    contract.check_answer(template, method, response.status_code, body)
    return response.status_code, body


def signed(secret, body):
    timestamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={timestamp},v1={signature}", "Content-Type": "application/json"}


def test_the_document_is_valid_openapi_3_1(contract):
    validate_document(contract.document)
    assert contract.document["openapi"].startswith("3.1")


def test_every_operation_answers_as_documented(shop, contract):
    emulator, instance, merchant, ids = shop
    secret = instance.environment["STRIPE_WEBHOOK_SECRET"]
    # Operations.
    assert call(contract, instance, "GET", "/health")[0] == 200
    assert call(contract, instance, "GET", "/health/live")[0] == 200
    assert call(contract, instance, "GET", "/health/ready")[0] == 200
    event = json.dumps({"id": "evt_contract_unknown", "object": "event", "type": "contract.unknown", "created": int(time.time()),
                        "data": {"object": {"id": "obj_1", "object": "thing"}}})
    status, ack = call(contract, instance, "POST", "/webhook", data=event, headers=signed(secret, event))
    assert status == 200 and ack == {"received": True, "duplicate": False, "ignored": True}
    assert call(contract, instance, "POST", "/webhook", data=event, headers={"Stripe-Signature": "t=1,v1=00"})[0] == 400

    # Every purchase's status, as a stranger sees it; unknown ids.
    for key, subject in ids.items():
        if key.startswith("order_"):
            assert call(contract, instance, "GET", "/api/orders/{id}", f"/api/orders/{subject}")[0] == 200
        elif key == "subscription":
            # A subscription is no Checkout Session: its customer has the access page, the merchant the timeline.
            assert call(contract, instance, "GET", "/api/checkout/sessions/{id}", f"/api/checkout/sessions/{subject}")[0] == 404
        else:
            assert call(contract, instance, "GET", "/api/checkout/sessions/{id}", f"/api/checkout/sessions/{subject}")[0] == 200
    assert call(contract, instance, "GET", "/api/checkout/sessions/{id}", "/api/checkout/sessions/cs_test_nobody_knows")[0] == 404
    assert call(contract, instance, "GET", "/api/orders/{id}", "/api/orders/ord_nobody_knows")[0] == 404

    # The buyer's browser sees the details (a claimed landing page's cookie).
    buyer = requests.Session()
    session_id = shop_history.session(emulator, instance, "buyer@example.com", [(shop_history.price(emulator, "Poster", 900, {"fulfillment": "physical", "sku": "P-2"}), 1)], shipping=True)
    shop_history.complete(emulator, session_id, "paid", shipping=True)
    assert buyer.get(instance.url + f"/checkout/complete?session_id={session_id}", timeout=30).status_code == 200
    answer = buyer.get(instance.url + f"/api/checkout/sessions/{session_id}", timeout=30)
    contract.check_answer("/api/checkout/sessions/{id}", "GET", answer.status_code, answer.json())
    assert answer.json()["details_withheld"] is False and answer.json()["shipping"]["city"] == "Lyon"

    # Orders: created (with the backend's key), refused.
    order = {"items": [{"name": "Bulbs", "quantity": 1, "unit_amount": 700}], "currency": "eur", "email": "o@example.com", "payment_method": "ideal", "payment_flow": "sources"}
    status, created = call(contract, instance, "POST", "/api/orders", json=order, headers=ORDER_AUTH)
    assert status == 201 and created["next_url"]
    assert call(contract, instance, "POST", "/api/orders", data="{not json", headers={**ORDER_AUTH, "Content-Type": "application/json"})[0] == 400
    assert call(contract, instance, "POST", "/api/orders", json=order, headers={"Authorization": "Bearer wrong_key_0123456789"})[0] == 401
    # On a PaymentIntent (the default): a declined card leaves the order open; paying again with another card pays it.
    card = {**order, "payment_method": "card", "payment_method_id": "pm_card_chargeDeclined"}
    del card["payment_flow"]
    status, declined = call(contract, instance, "POST", "/api/orders", json=card, headers=ORDER_AUTH)
    assert status == 201 and declined["payment_flow"] == "payment_intents" and declined["can_pay_again"] is True
    assert call(contract, instance, "POST", "/api/orders", json={**card, "payment_method": "sofort"}, headers=ORDER_AUTH)[0] == 400
    again = "/api/orders/" + declined["id"] + "/payment"
    status, paid = call(contract, instance, "POST", "/api/orders/{id}/payment", again,
                        json={"payment_method": "card", "payment_method_id": "pm_card_visa"})
    assert status == 200 and paid["status"] == "paid" and paid["payment_intent"] == declined["payment_intent"]
    assert call(contract, instance, "POST", "/api/orders/{id}/payment", again, json={"payment_method": "card", "payment_method_id": "pm_card_visa"})[0] == 409
    assert call(contract, instance, "POST", "/api/orders/{id}/payment", again, json={"payment_method": "sofort"})[0] == 400
    assert call(contract, instance, "POST", "/api/orders/{id}/payment", "/api/orders/ord_000000000000000000000000/payment",
                json={"payment_method": "ideal"})[0] == 404

    # The console's API.
    assert call(contract, instance, "GET", "/admin/api/overview")[0] == 401
    assert call(contract, instance, "GET", "/admin/api/overview", headers=ADMIN)[0] == 200
    status, events = call(contract, instance, "GET", "/admin/api/events", headers=ADMIN)
    assert status == 200 and events["data"]
    assert call(contract, instance, "GET", "/admin/api/events", "/admin/api/events?status=ignored&type=contract.unknown", headers=ADMIN)[0] == 200
    for subject in ids.values():
        assert call(contract, instance, "GET", "/admin/api/timeline/{id}", f"/admin/api/timeline/{subject}", headers=ADMIN)[0] == 200
    assert call(contract, instance, "GET", "/admin/api/timeline/{id}", "/admin/api/timeline/cs_test_nobody", headers=ADMIN)[0] == 404
    assert call(contract, instance, "GET", "/admin/api/anomalies", headers=ADMIN)[0] == 200
    assert call(contract, instance, "POST", "/admin/api/events/{id}/replay", "/admin/api/events/evt_contract_unknown/replay", headers=ADMIN)[0] == 200
    assert call(contract, instance, "POST", "/admin/api/events/{id}/replay", "/admin/api/events/evt_nobody/replay", headers=ADMIN)[0] == 404
    status, emails = call(contract, instance, "GET", "/admin/api/emails", headers=ADMIN)
    assert status == 200 and emails["data"]
    assert call(contract, instance, "GET", "/admin/api/emails", "/admin/api/emails?status=lost", headers=ADMIN)[0] == 400
    assert call(contract, instance, "POST", "/admin/api/emails/{id}/replay", f"/admin/api/emails/{emails['data'][0]['id']}/replay", headers=ADMIN)[0] == 404
    status, dispatches = call(contract, instance, "GET", "/admin/api/dispatches", headers=ADMIN)
    assert status == 200 and dispatches["data"]
    assert call(contract, instance, "GET", "/admin/api/dispatches", f"/admin/api/dispatches?status=delivered&subject={ids['refunded']}", headers=ADMIN)[0] == 200
    assert call(contract, instance, "POST", "/admin/api/dispatches/{id}/replay", "/admin/api/dispatches/fev_nobody/replay", headers=ADMIN)[0] == 404

    # Every documented operation was called, and every success it documents was seen but those this history
    # cannot bring about (a Stripe that does not answer within the wait; a store that does not answer; a
    # dead email or dispatch to replay: DeadEmailTests and MerchantNotificationTests show those).
    called = {(path, method) for path, method, _ in contract.seen}
    assert called == contract.operations(), f"not called: {contract.operations() - called}"
    unreachable = {("/api/checkout/sessions/{id}", "get", "202"), ("/admin/api/emails/{id}/replay", "post", "200"),
                   ("/admin/api/dispatches/{id}/replay", "post", "200")}
    documented = {(path, method, status) for path, item in contract.document["paths"].items() for method, operation in item.items()
                  for status in operation["responses"] if status.startswith("2")}
    assert documented - unreachable <= contract.seen, f"successes never seen: {documented - unreachable - contract.seen}"


def test_every_notification_matches_its_webhook(shop, contract):
    _, _, merchant, ids = shop
    with merchant.lock:
        received = list(merchant.received)
    types = {event["type"] for event in received}
    assert {"checkout.fulfilled", "checkout.refunded", "checkout.disputed", "checkout.payment_failed", "checkout.expired",
            "order.paid", "order.canceled", "subscription.started", "subscription.renewed", "subscription.canceled"} <= types, types
    assert types <= set(contract.document["webhooks"]), f"undocumented notification types: {types - set(contract.document['webhooks'])}"
    for event in received:
        contract.check_component("NotificationEvent", {**event, "data": {"object": {}}}, f"{event['type']} envelope")
        name = {"order": "NotifiedOrder", "subscription": "NotifiedSubscription"}.get(event["type"].split(".")[0], "NotifiedSession")
        contract.check_component(name, event["data"]["object"], f"{event['type']} {event['id']}")


@pytest.mark.parametrize("answers", sorted(glob.glob(os.path.join(ROOT, "upgrade", "fixtures", "*", "answers-*.json"))),
                         ids=lambda path: "/".join(path.split(os.sep)[-2:]))
def test_a_released_versions_answers_fit_the_document(contract, answers):
    with open(answers) as f:
        recorded = json.load(f)
    checked = 0
    for key, answer in recorded["status"].items():
        path = "/api/orders/{id}" if key.startswith("order_") else "/api/checkout/sessions/{id}"
        contract.check_answer(path, "GET", answer["status"], answer["body"])
        checked += 1
    for answer in recorded["timeline"].values():
        contract.check_answer("/admin/api/timeline/{id}", "GET", answer["status"], answer["body"])
        checked += 1
    contract.check_answer("/admin/api/events", "GET", recorded["events"]["status"], recorded["events"]["body"])
    contract.check_answer("/admin/api/anomalies", "GET", recorded["anomalies"]["status"], recorded["anomalies"]["body"])
    # The release's overview had fewer fields (emails and dispatches by status were added since): it is
    # checked against the fields it had.
    overview = recorded["overview"]["body"]
    for field in ("events", "email_backlog", "dispatch_backlog"):
        assert field in overview
    assert checked == len(recorded["status"]) + len(recorded["timeline"])
