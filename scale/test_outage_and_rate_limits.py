"""What Stripe gives up on, the reconciler recovers; a burst under Stripe's rate limit queues instead of
failing. Each on the embedded SQLite store and on PostgreSQL, with one `fulfill serve` process, the Stripe
emulator and a real SMTP server."""
import concurrent.futures
import os
import re
import sqlite3
import subprocess
import tempfile
import uuid

import pytest
import requests
from cluster_fixtures import BINARY, ORDER_AUTH, ORDER_KEY, Emulator, Instance, Mailbox, Postgres, wait_until


@pytest.fixture(scope="module")
def postgres():
    server = Postgres()
    yield server
    server.stop()


class Store:
    """The service's database, for the test's own reads: a SQLite file or a PostgreSQL database."""

    def __init__(self, kind, postgres, workdir):
        self.kind = kind
        if kind == "sqlite":
            self.path = os.path.join(workdir, "fulfillment.sqlite")
            self.url = f"sqlite:{self.path}"
        else:
            self.postgres = postgres
            self.name = "d" + uuid.uuid4().hex[:12]
            self.url = postgres.create_database(self.name)

    def rows(self, sql):
        if self.kind == "sqlite":
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
            try:
                return [[str(v) for v in row] for row in db.execute(sql).fetchall()]
            finally:
                db.close()
        return self.postgres.psql(sql, database=self.name)

    def snapshot(self):
        """Everything a reconciliation could change, for before/after comparisons."""
        return {
            "inbox": self.rows("SELECT id, status, origin, attempts FROM inbox_events ORDER BY id"),
            "purchases": self.rows("SELECT subject_id, kind, status FROM purchases ORDER BY subject_id"),
            "lines": self.rows("SELECT subject_id, line_item_id, served_quantity FROM purchase_lines ORDER BY subject_id, line_item_id"),
            "outbox": self.rows("SELECT dedupe_key FROM outbox ORDER BY dedupe_key"),
            "orders": self.rows("SELECT id, status, version, charge_id FROM orders ORDER BY id"),
        }


class Shop:
    """One service instance, its store, the emulator and a mailbox."""

    def __init__(self, kind, postgres, emulator_args=(), **settings):
        self.workdir = tempfile.mkdtemp(prefix=f"shop-{kind}-")
        self.store = Store(kind, postgres, self.workdir)
        self.mailbox = Mailbox()
        self.emulator = Emulator(self.workdir, *emulator_args)
        self.instance = Instance("service", self.workdir, {
            "STRIPE_SECRET_KEY": "sk_test_shop", "STRIPE_API_BASE": self.emulator.url, "DATABASE_URL": self.store.url,
            "EMAIL_URL": f"smtp://127.0.0.1:{self.mailbox.port}?tls=none", "EMAIL_FROM": "shop@shop.test", "LOG_LEVEL": "warning",
            "HOST": "127.0.0.1", "ORDER_API_KEY": ORDER_KEY, **settings})
        endpoint = self.emulator.post("/v1/webhook_endpoints", {"url": self.instance.url + "/webhook", "enabled_events[]": "*"})
        self.instance.environment["STRIPE_WEBHOOK_SECRET"] = endpoint["secret"]

    def fulfill(self, *arguments):
        environment = {key: value for key, value in self.instance.environment.items() if key != "PORT"}
        result = subprocess.run([BINARY, *arguments], env=environment, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"fulfill {' '.join(arguments)}: {result.stdout}{result.stderr}"
        return result.stdout

    def price(self, name, metadata):
        product = self.emulator.post("/v1/products", {"name": name, **{f"metadata[{k}]": v for k, v in metadata.items()}})
        return self.emulator.post("/v1/prices", {"product": product["id"], "currency": "eur", "unit_amount": 2000})["id"]

    def session(self, price_id, email):
        return self.emulator.post("/v1/checkout/sessions", {
            "mode": "payment", "success_url": "http://shop.test/done?session_id={CHECKOUT_SESSION_ID}",
            "customer_email": email, "line_items[0][price]": price_id, "line_items[0][quantity]": "1"})["id"]

    def pay(self, session_id):
        self.emulator.post(f"/_emulator/checkout/sessions/{session_id}/complete", {"outcome": "paid"})

    def order(self, method, email):
        body = {"items": [{"name": "Tulip bulbs", "quantity": 1, "unit_amount": 1500}], "currency": "eur", "email": email,
                "payment_method": method, "payment_flow": "sources"}
        if method == "sofort":
            body["sofort_country"] = "DE"
        response = requests.post(self.instance.url + "/api/orders", json=body, headers=ORDER_AUTH, timeout=30)
        assert response.status_code == 201, response.text
        order_id = response.json()["id"]
        return order_id, self.store.rows(f"SELECT source_id FROM orders WHERE id = '{order_id}'")[0][0]

    def messages(self, prefix):
        return [m for m in self.mailbox.received() if (m["Message-ID"] or "").startswith(f"<{prefix}.")]

    def stop(self):
        self.instance.stop()
        self.emulator.stop()
        self.mailbox.stop()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_the_reconciler_recovers_every_event_stripe_gave_up_on_during_an_outage(kind, postgres):
    # Bank debits settle a day later, so the one charged before the outage settles during it.
    shop = Shop(kind, postgres, ("--settlement-seconds", "86400"), RECONCILE_INTERVAL="1h")
    try:
        shop.instance.start()
        course = shop.price("Course", {"fulfillment": "digital"})
        before = [shop.session(course, f"before{i}@shop.test") for i in range(3)]
        for session_id in before:
            shop.pay(session_id)
        paid_early, paid_early_source = shop.order("ideal", "early@shop.test")
        shop.emulator.post(f"/_emulator/sources/{paid_early_source}/authorize", {"outcome": "chargeable"})
        settling, settling_source = shop.order("sofort", "settling@shop.test")
        shop.emulator.post(f"/_emulator/sources/{settling_source}/authorize", {"outcome": "chargeable"})
        authorised_late, late_source = shop.order("ideal", "late@shop.test")
        abandoned, _ = shop.order("ideal", "abandoned@shop.test")
        wait_until(lambda: len(shop.store.rows("SELECT subject_id FROM purchases WHERE status = 'fulfilled' AND kind = 'checkout_session'")) == 3, 30, "3 fulfilled")
        wait_until(lambda: shop.store.rows(f"SELECT status FROM orders WHERE id = '{settling}'") == [["charge_pending"]], 30, "sofort charged")

        # The outage: the service is down while customers pay and authorise.
        shop.instance.stop()
        during = [shop.session(course, f"during{i}@shop.test") for i in range(4)]
        for session_id in during:
            shop.pay(session_id)
        shop.emulator.post(f"/_emulator/sources/{late_source}/authorize", {"outcome": "chargeable"})
        # Three days and more pass at Stripe: the SOFORT charge settles, uncharged sources are canceled, and
        # every delivery to the dead endpoint is retried until Stripe gives up; then three more, for the events
        # the first three days made.
        for _ in range(2):
            shop.emulator.post("/_emulator/clock/advance", {"seconds": str(3 * 86400 + 3600)})
            shop.emulator.post("/_emulator/webhooks/drain", {"timeout_ms": "30000"})
        deliveries = shop.emulator.get("/_emulator/deliveries")["data"]
        assert deliveries and not [d for d in deliveries if d["state"] == "pending"], "Stripe has given up on every delivery"
        missed = shop.emulator.get("/v1/events", {"delivery_success": "false", "limit": 100})["data"]
        missed_types = {e["type"] for e in missed}
        assert {"checkout.session.completed", "source.chargeable", "source.canceled", "charge.succeeded"} <= missed_types

        # Back up: its first reconciliation pass (5 s after start) finds every missed event.
        shop.instance.start()
        def settled():
            fulfilled = shop.store.rows("SELECT count(*) FROM purchases WHERE status = 'fulfilled' AND kind = 'checkout_session'")[0][0]
            final = shop.store.rows("SELECT count(*) FROM orders WHERE status IN ('paid', 'canceled')")[0][0]
            pending = shop.store.rows("SELECT count(*) FROM inbox_events WHERE status = 'pending'")[0][0]
            unsent = shop.store.rows("SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0]
            return (fulfilled, final, pending, unsent) == ("7", "4", "0", "0")
        try:
            wait_until(settled, 90, "every session fulfilled and every order final")
        except AssertionError:
            raise AssertionError(f"{shop.store.snapshot()}\n{shop.instance.log()[-3000:]}")

        recovered = {row[0] for row in shop.store.rows("SELECT id FROM inbox_events WHERE origin = 'reconciler'")}
        missed_handled = {e["id"] for e in missed if e["type"] in
                          {"checkout.session.completed", "source.chargeable", "source.canceled", "charge.succeeded"}}
        assert missed_handled <= recovered, f"not recovered: {missed_handled - recovered}"
        # Every paid session: fulfilled once, one receipt.
        receipts = [m["Message-ID"] for m in shop.messages("receipt")]
        assert sorted(receipts) == sorted(f"<receipt.{s}@stripe-fulfillment>" for s in before + during)
        # Every order final and as Stripe has it: paid with exactly one charge, or canceled with none and the
        # customer told.
        charges = shop.emulator.list_all("/v1/charges")
        def charges_of(order_id):
            return [c for c in charges if c["metadata"].get("order_id") == order_id]
        statuses = dict(shop.store.rows("SELECT id, status FROM orders"))
        assert statuses == {paid_early: "paid", settling: "paid", authorised_late: "canceled", abandoned: "canceled"}
        assert [c["status"] for c in charges_of(paid_early)] == ["succeeded"]
        assert [c["status"] for c in charges_of(settling)] == ["succeeded"]
        assert charges_of(authorised_late) == [] and charges_of(abandoned) == []
        for order_id in (authorised_late, abandoned):
            source = shop.store.rows(f"SELECT source_id FROM orders WHERE id = '{order_id}'")[0][0]
            assert shop.emulator.get(f"/v1/sources/{source}")["status"] == "canceled"
        told = {m["Message-ID"] for m in shop.messages("order_failed")}
        assert told == {f"<order_failed.{o}@stripe-fulfillment>" for o in (authorised_late, abandoned)}
        assert {m["Message-ID"] for m in shop.messages("order_confirmed")} == {
            f"<order_confirmed.{o}@stripe-fulfillment>" for o in (paid_early, settling)}
        metrics = requests.get(shop.instance.url + "/metrics", timeout=10).text
        assert re.search(r"^fulfillment_events_recovered_total \d+", metrics, re.M)

        # Running the reconciler again recovers nothing and changes nothing.
        before_again = shop.store.snapshot()
        output = shop.fulfill("reconcile")
        assert "recovered 0 of" in output and "fulfilled 0 of" in output, output
        assert shop.store.snapshot() == before_again
        dry = shop.fulfill("reconcile", "--dry-run", "--since", "30d")
        assert "would recover 0 of" in dry, dry
        assert shop.store.snapshot() == before_again
    finally:
        shop.stop()


@pytest.mark.parametrize("kind,max_rps", [("sqlite", None), ("postgres", None), ("sqlite", "40")])
def test_a_burst_of_300_paid_sessions_under_a_25_per_second_limit_is_fulfilled_with_nothing_lost(kind, max_rps, postgres):
    # By default the service paces itself at 20/s with a test key; at 40/s it meets Stripe's 429s and retries.
    shop = Shop(kind, postgres, RECONCILE_INTERVAL="off", **({"STRIPE_MAX_RPS": max_rps} if max_rps else {}))
    try:
        shop.instance.start()
        course = shop.price("Course", {"fulfillment": "digital"})
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            sessions = list(pool.map(lambda i: shop.session(course, f"burst{i}@shop.test"), range(300)))
        # Stripe's test-mode limit, from now on: every request of the service counts.
        shop.emulator.post("/_emulator/faults", {"rate_limit": "25"})
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            list(pool.map(shop.pay, sessions))
        try:
            wait_until(lambda: shop.store.rows("SELECT count(*) FROM purchases WHERE status = 'fulfilled' AND kind = 'checkout_session'") == [["300"]],
                       180, "300 fulfilled sessions")
        except AssertionError:
            raise AssertionError(f"{shop.store.rows('SELECT status, count(*) FROM inbox_events GROUP BY status')}\n"
                                 f"{shop.instance.log()[-3000:]}")
        assert shop.store.rows("SELECT count(*) FROM inbox_events WHERE status NOT IN ('processed', 'ignored')") == [["0"]], "no dead event"
        wait_until(lambda: len(shop.messages("receipt")) == 300, 60, "300 receipts")
        faults = shop.emulator.get("/_emulator/faults")
        log = shop.instance.log()
        assert "parked as dead" not in log and " error " not in log.lower(), log[-3000:]
        refused = faults["rate_limited_requests"]
        assert (refused > 0) == (max_rps is not None), f"{refused} requests refused"
        print(f"\n{kind}, STRIPE_MAX_RPS={max_rps or 'default'}: 300 sessions under 25/s; {refused} requests met a 429")
    finally:
        shop.stop()
