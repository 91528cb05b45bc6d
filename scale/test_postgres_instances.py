"""Three `fulfill serve` processes on one PostgreSQL database, each with its own webhook endpoint on the
emulator (so every event reaches every instance at about the same time), receipts counted on a real SMTP
server and charges counted on the emulator."""
import concurrent.futures
import random
import threading
import time

import requests
from cluster_fixtures import ORDER_AUTH, deployment, wait_until  # noqa: F401 (pytest fixture)
from shop import fulfilled, pay, price, receipts_by_session, session


def messages(mailbox, kind):
    """Deliveries by Message-ID of the emails of one kind (`subscription_welcome`): each id, how many times."""
    counts = {}
    for message in mailbox.received():
        message_id = message["Message-ID"] or ""
        if message_id.startswith(f"<{kind}."):
            counts[message_id] = counts.get(message_id, 0) + 1
    return counts


def subscribe(emulator, clock, price_id, index):
    """A subscription the merchant's code makes for a customer on the test clock."""
    customer = emulator.post("/v1/customers", {"email": f"member{index}@scale.test", "test_clock": clock,
                                               "payment_method": "pm_card_visa",
                                               "invoice_settings[default_payment_method]": "pm_card_visa"})["id"]
    return emulator.post("/v1/subscriptions", {"customer": customer, "items[0][price]": price_id})["id"]


def test_two_hundred_buyers_of_fifty_seats_across_three_instances(deployment):
    emulator, postgres = deployment.emulator, deployment.postgres
    seat = price(emulator, "Concert seat", {"fulfillment": "stock", "sku": "SEAT"})
    deployment.fulfill("stock", "set", "SEAT", "50")
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        sessions = list(pool.map(lambda i: session(emulator, i, [(seat, 1)]), range(200)))
        # 200 buyers pay at once; every completion reaches all three instances.
        list(pool.map(lambda s: pay(emulator, s), sessions))
    try:
        wait_until(lambda: fulfilled(postgres, sessions) == 200, 120, "200 fulfilled sessions")
    except AssertionError:
        raise AssertionError(f"{fulfilled(postgres, sessions)} of 200 fulfilled\n{deployment.logs()}")
    served, backordered = postgres.psql(
        "SELECT sum(served_quantity), sum(backordered_quantity) FROM purchase_lines WHERE sku = 'SEAT'")[0]
    assert (int(served), int(backordered)) == (50, 150)
    assert postgres.psql("SELECT quantity FROM stock WHERE sku = 'SEAT'") == [["0"]]
    wait_until(lambda: len(receipts_by_session(deployment.mailbox, sessions)) == 200, 60, "200 receipts")
    receipts = receipts_by_session(deployment.mailbox, sessions)
    assert set(receipts.values()) == {1}, "one receipt per buyer, none twice"
    assert postgres.psql("SELECT count(*) FROM inbox_events WHERE status IN ('dead', 'orphaned', 'pending')") == [["0"]]


class Chaos(threading.Thread):
    """Kills a random instance with SIGKILL every so often and restarts it a moment later."""

    def __init__(self, instances, seed):
        super().__init__(daemon=True)
        self.instances, self.random = instances, random.Random(seed)
        self.stopping, self.error = threading.Event(), None

    def run(self):
        try:
            while not self.stopping.wait(self.random.uniform(0.4, 1.2)):
                victim = self.random.choice(self.instances)
                victim.kill()
                time.sleep(self.random.uniform(0.2, 0.8))
                victim.start()
        except Exception as error:  # noqa: BLE001 (reported by the test)
            self.error = error

    def stop(self):
        self.stopping.set()
        self.join(timeout=90)


def test_instances_killed_and_restarted_while_sessions_are_paid_and_orders_authorised(deployment):
    """Sessions, Sources orders, PaymentIntent orders (iDEAL authorised on the bank's page; cards declined, then
    paid again with another card) and subscriptions (bought through Checkout, or made through the API and renewed
    by their test clock) while instances are killed with SIGKILL and restarted."""
    emulator, postgres, mailbox = deployment.emulator, deployment.postgres, deployment.mailbox
    course = price(emulator, "Course", {"fulfillment": "digital"})
    mug = price(emulator, "Mug", {"fulfillment": "physical", "sku": "MUG"})
    deployment.fulfill("stock", "set", "MUG", "1000")
    sessions = [session(emulator, 1000 + i, [(course, 1), (mug, 1 + i % 3)]) for i in range(60)]
    orders = []
    for i in range(30):
        instance = deployment.instances[i % 3]
        response = requests.post(instance.url + "/api/orders", json={
            "items": [{"name": "Tulip bulbs", "quantity": 1 + i % 2, "unit_amount": 1250}], "currency": "eur",
            "email": f"orderer{i}@scale.test", "payment_method": "ideal", "payment_flow": "sources"}, headers=ORDER_AUTH, timeout=30)
        assert response.status_code == 201, response.text
        orders.append(response.json()["id"])
    sources = [postgres.psql(f"SELECT source_id FROM orders WHERE id = '{o}'")[0][0] for o in orders]
    # PaymentIntent orders (the default flow): twenty by iDEAL, ten by a card that is declined first.
    intents, declined = [], []
    for i in range(30):
        instance = deployment.instances[i % 3]
        body = {"items": [{"name": "Crocus bulbs", "quantity": 1, "unit_amount": 900 + i}], "currency": "eur",
                "email": f"intent{i}@scale.test", "payment_method": "ideal"}
        if i % 3 == 2:
            body.update(payment_method="card", payment_method_id="pm_card_chargeDeclined")
        response = requests.post(instance.url + "/api/orders", json=body, headers=ORDER_AUTH, timeout=30)
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["payment_flow"] == "payment_intents"
        if i % 3 == 2:
            assert created["can_pay_again"] is True, created
            declined.append(created["id"])
        else:
            intents.append(created["payment_intent"])
        orders.append(created["id"])

    # Subscriptions: five bought through Checkout, ten made through the API on a test clock (renewed below).
    product = emulator.post("/v1/products", {"name": "Club", "metadata[fulfillment]": "digital"})["id"]
    monthly = emulator.post("/v1/prices", {"product": product, "currency": "eur", "unit_amount": 1500,
                                           "recurring[interval]": "month"})["id"]
    clock = emulator.post("/v1/test_helpers/test_clocks", {"frozen_time": int(time.time())})["id"]
    club_sessions = [emulator.post("/v1/checkout/sessions", {
        "mode": "subscription", "success_url": "http://shop.test/done?session_id={CHECKOUT_SESSION_ID}",
        "customer_email": f"club{i}@scale.test", "line_items[0][price]": monthly, "line_items[0][quantity]": "1"})["id"]
        for i in range(5)]

    chaos = Chaos(deployment.instances, seed=20261201)
    chaos.start()
    members = [subscribe(emulator, clock, monthly, i) for i in range(10)]
    work = ([("pay", s) for s in sessions + club_sessions] + [("authorize", s) for s in sources] + [("bank", i) for i in intents]
            + [("again", o) for o in declined])
    random.Random(7).shuffle(work)
    for kind, target in work:
        if kind == "pay":
            pay(emulator, target)
        elif kind == "authorize":
            emulator.post(f"/_emulator/sources/{target}/authorize", {"outcome": "chargeable"})
        elif kind == "bank":
            emulator.post(f"/_emulator/payment_intents/{target}/authorize", {"outcome": "succeed"})
        else:
            # The customer pays again on the same order, through whichever instance is up.
            for attempt in range(20):
                instance = deployment.instances[attempt % 3]
                try:
                    reply = requests.post(instance.url + f"/api/orders/{target}/payment", timeout=10,
                                          json={"payment_method": "card", "payment_method_id": "pm_card_visa"})
                except requests.RequestException:
                    continue
                if reply.status_code == 200:
                    break
                assert reply.status_code in (409, 502, 503), reply.text
                if reply.status_code == 409:
                    break  # an earlier attempt went through before its answer was lost
            else:
                raise AssertionError(f"could not pay {target} again")
        time.sleep(0.15)
    # A month on for the clock's ten: each renews (drafted at the period's end, paid an hour later), under chaos.
    period_end = emulator.get(f"/v1/subscriptions/{members[0]}")["current_period_end"]
    emulator.post(f"/v1/test_helpers/test_clocks/{clock}/advance", {"frozen_time": period_end + 2 * 3600})
    time.sleep(2)
    chaos.stop()
    assert chaos.error is None, f"chaos failed: {chaos.error}"
    for instance in deployment.instances:
        if instance.process.poll() is not None:
            instance.start()
    kills = sum(i.kills for i in deployment.instances)
    assert kills >= 5, f"only {kills} kills: the test did not exercise crashes"

    listed_orders = ",".join(f"'{o}'" for o in orders)

    club = [emulator.get(f"/v1/checkout/sessions/{s}")["subscription"] for s in club_sessions]
    subscriptions = club + members
    listed_subscriptions = ",".join(f"'{s}'" for s in subscriptions)
    listed_members = ",".join(f"'{s}'" for s in members)

    def settled():
        paid = int(postgres.psql(f"SELECT count(*) FROM orders WHERE status = 'paid' AND id IN ({listed_orders})")[0][0])
        unsent = int(postgres.psql("SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0])
        pending = int(postgres.psql("SELECT count(*) FROM inbox_events WHERE status = 'pending'")[0][0])
        granted = fulfilled(postgres, subscriptions)
        renewed = int(postgres.psql(
            f"SELECT count(*) FROM subscriptions WHERE jsonb_array_length(settled_invoices) = 2 AND subscription_id IN ({listed_members})")[0][0])
        return (fulfilled(postgres, sessions) == 60 and paid == 60 and unsent == 0 and pending == 0 and granted == 15
                and renewed == 10)

    # A killed instance's claims (the events it was handling or had queued) come back when their lease (60 s)
    # ends, and are handled then.
    try:
        wait_until(settled, 180, "every session fulfilled, every order paid, every email sent")
    except AssertionError:
        states = postgres.psql("SELECT type, status, attempts, coalesce(last_error, '') FROM inbox_events WHERE status <> 'processed' AND status <> 'ignored'")
        raise AssertionError(f"not settled; unfinished events: {states}\n{deployment.logs()}")

    # Every paid session: fulfilled once, with one receipt in the mailbox.
    receipts = receipts_by_session(mailbox, sessions)
    assert sorted(receipts) == sorted(sessions), "a receipt for every paid session"
    deliveries, distinct = sum(receipts.values()), len(receipts)
    print(f"\n{kills} kills; {distinct} receipts, {deliveries} SMTP deliveries of them")
    # At-least-once to SMTP: a kill between the server's 250 and the outbox's commit resends the message in
    # flight, under the same Message-ID. At most one email is in flight per instance at a kill.
    assert deliveries - distinct <= kills
    lines = postgres.psql("SELECT subject_id, count(*) FROM purchase_lines GROUP BY subject_id")
    assert all(count == "2" for sid, count in lines if sid in sessions), "each session's two lines, once"
    mugs = sum(1 + i % 3 for i in range(60))
    assert postgres.psql("SELECT quantity FROM stock WHERE sku = 'MUG'") == [[str(1000 - mugs)]], "stock taken once per session"

    # Every subscription: granted once (its purchase, its line), one welcome; each renewal told once.
    assert postgres.psql(f"SELECT count(*) FROM purchases WHERE kind = 'subscription' AND subject_id IN ({listed_subscriptions})") == [["15"]]
    assert postgres.psql(f"SELECT count(*) FROM purchase_lines WHERE subject_id IN ({listed_subscriptions})") == [["15"]]
    assert postgres.psql(f"SELECT count(*) FROM subscriptions WHERE access = 'active' AND subscription_id IN ({listed_subscriptions})") == [["15"]]
    welcomes, renewals = messages(mailbox, "subscription_welcome"), messages(mailbox, "subscription_renewed")
    assert set(welcomes) == {f"<subscription_welcome.{s}@stripe-fulfillment>" for s in subscriptions}
    assert len(renewals) == 10
    assert sum(welcomes.values()) + sum(renewals.values()) - len(welcomes) - len(renewals) <= kills

    # Every order: paid with exactly one succeeded charge at Stripe (a declined card's order also has its failed
    # one), fulfilled once, and one confirmation.
    charges = emulator.list_all("/v1/charges")
    for order_id in orders:
        mine = sorted(c["status"] for c in charges if c["metadata"].get("order_id") == order_id)
        assert mine == (["failed", "succeeded"] if order_id in declined else ["succeeded"]), f"{order_id}: {mine}"
    assert postgres.psql(f"SELECT count(*) FROM purchases WHERE status = 'fulfilled' AND subject_id IN ({listed_orders})") == [["60"]]
    confirmations = {m["Message-ID"] for m in mailbox.received() if (m["Message-ID"] or "").startswith("<order_confirmed.")}
    assert confirmations == {f"<order_confirmed.{o}@stripe-fulfillment>" for o in orders}

    # No acknowledged event is lost: every event an instance answered 2xx for is in the inbox, and handled.
    acknowledged = {d["event"] for d in emulator.get("/_emulator/deliveries")["data"]
                    if any(a["status"] is not None and 200 <= a["status"] < 300 for a in d["attempts"])}
    stored = {row[0] for row in postgres.psql("SELECT id FROM inbox_events")}
    assert acknowledged and acknowledged <= stored, f"lost: {sorted(acknowledged - stored)[:5]}"
    assert postgres.psql("SELECT count(*) FROM inbox_events WHERE status IN ('pending', 'dead', 'orphaned')") == [["0"]]
    assert postgres.psql("SELECT count(*) FROM order_anomalies") == [["0"]]
    # The operator's view, from any machine with the URL.
    listing = deployment.fulfill("events", "list", "--limit", "3")
    assert "pending=0" in listing and "dead=0" in listing and "orphaned=0" in listing, listing
