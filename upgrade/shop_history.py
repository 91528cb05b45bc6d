"""A shop's history, played through a real `fulfill serve` against the emulator, and the answers every
surface gives about it. `make_fixture.py` plays it with a released binary and checks in the database and
the answers; `test_upgrade_in_place.py` upgrades that database with today's binary and asks again.

The history holds each state a shop's database can be in: Checkout Sessions fulfilled (digital, shipped with
stock taken, a backorder), fully refunded (access revoked, stock given back), partly refunded, disputed,
awaiting a delayed payment, failed and expired; orders paid and canceled; merchant notifications delivered;
receipts sent; a buyer's claim of the landing page."""
import email
import email.header
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scale"))
from cluster_fixtures import BINARY, ORDER_AUTH, ORDER_KEY, wait_until  # noqa: E402

ADMIN_TOKEN = "upgrade-admin-token-0123456789"
MERCHANT_SECRET = "whsec_upgrade_merchant_secret_0123"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class MerchantEndpoint:
    """The merchant's endpoint: answers 200 and keeps every notification's body."""

    def __init__(self):
        self.received, self.lock = [], threading.Lock()
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with endpoint.lock:
                    endpoint.received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/merchant"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self):
        with self.lock:
            return len(self.received)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def service_environment(emulator, database_url, email_folder, merchant):
    return {"STRIPE_SECRET_KEY": "sk_test_upgrade", "STRIPE_API_BASE": emulator.url, "DATABASE_URL": database_url,
            "EMAIL_URL": f"folder:{email_folder}", "LOG_LEVEL": "warning", "HOST": "127.0.0.1",
            "ORDER_API_KEY": ORDER_KEY, "ADMIN_TOKEN": ADMIN_TOKEN, "MERCHANT_WEBHOOK_URL": merchant.url,
            "MERCHANT_WEBHOOK_SECRET": MERCHANT_SECRET, "RECONCILE_INTERVAL": "off"}


def fulfill(*arguments):
    result = subprocess.run([BINARY, *arguments], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"fulfill {' '.join(arguments)}: {result.stdout}{result.stderr}"
    return result.stdout


def price(emulator, name, amount, metadata):
    product = emulator.post("/v1/products", {"name": name, **{f"metadata[{k}]": v for k, v in metadata.items()}})
    return emulator.post("/v1/prices", {"product": product["id"], "currency": "eur", "unit_amount": amount})["id"]


def session(emulator, instance, email, lines, shipping=False):
    data = {"mode": "payment", "customer_email": email,
            "success_url": instance.url + "/checkout/complete?session_id={CHECKOUT_SESSION_ID}"}
    if shipping:
        data["shipping_address_collection[allowed_countries][0]"] = "DE"
    for n, (price_id, quantity) in enumerate(lines):
        data[f"line_items[{n}][price]"] = price_id
        data[f"line_items[{n}][quantity]"] = str(quantity)
    return emulator.post("/v1/checkout/sessions", data)["id"]


def complete(emulator, session_id, outcome, shipping=False):
    form = {"outcome": outcome}
    if shipping:
        form.update({"shipping[line1]": "1 Rue de la Paix", "shipping[city]": "Lyon", "shipping[postal_code]": "69001",
                     "shipping[country]": "FR", "name": "Ada Lovelace"})
    emulator.post(f"/_emulator/checkout/sessions/{session_id}/complete", form)


def subscription(emulator, email):
    """A monthly digital membership the merchant's code subscribes a customer to, on a test clock from now;
    returns the subscription's and the clock's ids."""
    product = emulator.post("/v1/products", {"name": "Membership", "metadata[fulfillment]": "digital"})
    monthly = emulator.post("/v1/prices", {"product": product["id"], "currency": "eur", "unit_amount": 1500,
                                           "recurring[interval]": "month"})["id"]
    clock = emulator.post("/v1/test_helpers/test_clocks", {"frozen_time": int(time.time())})["id"]
    customer = emulator.post("/v1/customers", {"email": email, "test_clock": clock, "payment_method": "pm_card_visa",
                                               "invoice_settings[default_payment_method]": "pm_card_visa"})["id"]
    made = emulator.post("/v1/subscriptions", {"customer": customer, "items[0][price]": monthly})
    return made["id"], clock


def charge_of(emulator, session_id):
    return emulator.get(f"/v1/checkout/sessions/{session_id}", {"expand[]": "payment_intent"})["payment_intent"]["latest_charge"]


def order(instance, email, amount):
    response = requests.post(instance.url + "/api/orders", headers=ORDER_AUTH, timeout=30, json={
        "items": [{"name": "Tulip bulbs", "quantity": 2, "unit_amount": amount}], "currency": "eur",
        "email": email, "payment_method": "ideal", "payment_flow": "sources"})
    assert response.status_code == 201, response.text
    created = response.json()
    source_id = created["next_url"].split("/sources/")[1].split("/")[0]
    return created["id"], source_id


def status_of(instance, path):
    response = requests.get(instance.url + path, timeout=30)
    return response.json().get("status") if response.status_code == 200 else None


def play(emulator, instance):
    """Plays the history; returns the ids the answers are about."""
    course = price(emulator, "Swift course", 4900, {"fulfillment": "digital"})
    mug = price(emulator, "Mug", 1200, {"fulfillment": "physical", "sku": "MUG-1"})
    poster = price(emulator, "Poster", 900, {"fulfillment": "stock", "sku": "POSTER-1"})
    fulfill("stock", "set", "MUG-1", "3", "--database-url", instance.environment["DATABASE_URL"])
    fulfill("stock", "set", "POSTER-1", "1", "--database-url", instance.environment["DATABASE_URL"])

    ids = {}
    ids["fulfilled_digital"] = session(emulator, instance, "ada@example.com", [(course, 1)])
    ids["fulfilled_shipped"] = session(emulator, instance, "grace@example.com", [(mug, 2)], shipping=True)
    ids["backordered"] = session(emulator, instance, "linus@example.com", [(poster, 2)])
    ids["refunded"] = session(emulator, instance, "barbara@example.com", [(course, 1), (mug, 1)], shipping=True)
    ids["partly_refunded"] = session(emulator, instance, "edsger@example.com", [(course, 2)])
    ids["disputed"] = session(emulator, instance, "alan@example.com", [(course, 1)])
    for key in ("fulfilled_digital", "backordered", "partly_refunded", "disputed"):
        complete(emulator, ids[key], "paid")
    for key in ("fulfilled_shipped", "refunded"):
        complete(emulator, ids[key], "paid", shipping=True)
    for key in ("fulfilled_digital", "fulfilled_shipped", "backordered", "refunded", "partly_refunded", "disputed"):
        wait_until(lambda: status_of(instance, f"/api/checkout/sessions/{ids[key]}") == "fulfilled", 60, f"{key} fulfilled")

    # The buyer's browser claims its landing page once (buyer_claims).
    assert requests.get(instance.url + f"/checkout/complete?session_id={ids['fulfilled_digital']}", timeout=30).status_code == 200

    emulator.post("/v1/refunds", {"charge": charge_of(emulator, ids["refunded"])})
    emulator.post("/v1/refunds", {"charge": charge_of(emulator, ids["partly_refunded"]), "amount": 4900})
    emulator.post(f"/_emulator/charges/{charge_of(emulator, ids['disputed'])}/dispute", {"reason": "fraudulent"})

    ids["payment_failed"] = session(emulator, instance, "margaret@example.com", [(course, 1)])
    complete(emulator, ids["payment_failed"], "delayed_failure")
    ids["expired"] = session(emulator, instance, "ken@example.com", [(course, 1)])
    emulator.post(f"/v1/checkout/sessions/{ids['expired']}/expire")

    ids["order_paid"], source_paid = order(instance, "dennis@example.com", 1500)
    emulator.post(f"/_emulator/sources/{source_paid}/authorize", {"outcome": "chargeable"})
    wait_until(lambda: status_of(instance, f"/api/orders/{ids['order_paid']}") == "paid", 60, "the paid order")
    ids["order_canceled"], _ = order(instance, "bjarne@example.com", 1100)

    # Seven hours on: the delayed payment fails and the unauthorised source is canceled.
    emulator.post("/_emulator/clock/advance", {"seconds": 7 * 3600})
    wait_until(lambda: status_of(instance, f"/api/orders/{ids['order_canceled']}") == "canceled", 60, "the canceled order")

    # A subscription: granted, renewed once (its test clock a month on), then set to cancel at the period's end.
    ids["subscription"], clock = subscription(emulator, "mary@example.com")
    wait_until(lambda: timeline_has(instance, ids["subscription"], "subscription"), 60, "the subscription granted")
    period_end = emulator.get(f"/v1/subscriptions/{ids['subscription']}")["current_period_end"]
    emulator.post(f"/v1/test_helpers/test_clocks/{clock}/advance", {"frozen_time": period_end + 2 * 3600})
    emulator.post(f"/v1/subscriptions/{ids['subscription']}", {"cancel_at_period_end": "true"})

    # Awaiting a delayed payment that settles long after the fixture is written.
    ids["awaiting_payment"] = session(emulator, instance, "frances@example.com", [(course, 1)])
    complete(emulator, ids["awaiting_payment"], "delayed_success")

    emulator.post("/_emulator/webhooks/drain", {"timeout_ms": 60000})
    wait_until(lambda: quiet(instance), 90, "every event, email and notification handled")
    return ids


def timeline_has(instance, subject, kind):
    answer = requests.get(instance.url + f"/admin/api/timeline/{subject}", headers=ADMIN, timeout=30)
    return answer.status_code == 200 and any(entry.get("kind") == kind for entry in answer.json().get("entries", []))


def quiet(instance):
    overview = requests.get(instance.url + "/admin/api/overview", headers=ADMIN, timeout=30).json()
    return overview["events"]["pending"] == 0 and overview["email_backlog"] == 0 and overview["dispatch_backlog"] == 0


def answers(instance, ids, database_url, tokens):
    """What every surface says: the status JSON of the purchases the ledger answers for alone (fulfilled
    sessions, final orders), each purchase's timeline, the events, the access links, stock, dispatches."""
    def get(path, headers=None):
        response = requests.get(instance.url + path, headers=headers or {}, timeout=30)
        try:
            body = response.json()
        except ValueError:
            body = None
        return {"status": response.status_code, "body": body}

    result = {"ids": ids, "status": {}, "timeline": {}, "access": {}}
    for key, subject in ids.items():
        if key.startswith("order_"):
            result["status"][key] = get(f"/api/orders/{subject}")
        elif key in ("fulfilled_digital", "fulfilled_shipped", "backordered", "refunded", "partly_refunded", "disputed"):
            result["status"][key] = get(f"/api/checkout/sessions/{subject}")
        result["timeline"][key] = get(f"/admin/api/timeline/{subject}", ADMIN)
    result["events"] = get("/admin/api/events", ADMIN)
    result["overview"] = get("/admin/api/overview", ADMIN)
    result["anomalies"] = get("/admin/api/anomalies", ADMIN)
    for token in tokens:
        result["access"][token] = requests.get(instance.url + f"/access/{token}", timeout=30).status_code
    result["stock"] = {sku: fulfill("stock", "show", sku, "--database-url", database_url).strip() for sku in ("MUG-1", "POSTER-1")}
    result["dispatches"] = sorted(fulfill("dispatches", "list", "--limit", "500", "--database-url", database_url).splitlines())
    result["events_cli"] = sorted(fulfill("events", "list", "--limit", "500", "--database-url", database_url).splitlines())
    return result


def access_tokens(email_folder):
    """The access tokens the receipts carry (the links a buyer follows), read from the emails as sent."""
    tokens = set()
    for name in sorted(os.listdir(email_folder)):
        with open(os.path.join(email_folder, name), "rb") as f:
            message = email.message_from_binary_file(f)
        for part in message.walk():
            if part.get_content_maintype() == "text":
                tokens.update(re.findall(r"/access/([A-Za-z0-9_-]+)", part.get_payload(decode=True).decode("utf-8", "replace")))
    return sorted(tokens)


def email_summary(email_folder):
    """Every email sent, as (recipient, subject), in a stable order."""
    summary = []
    for name in os.listdir(email_folder):
        with open(os.path.join(email_folder, name), "rb") as f:
            message = email.message_from_binary_file(f)
        summary.append([str(message["To"]), str(email.header.make_header(email.header.decode_header(message["Subject"])))])
    return sorted(summary)


def wait_for_silence(seconds, instance):
    """Gives the workers time to send anything they would send again."""
    time.sleep(seconds)
    assert instance.healthy()
