#!/usr/bin/env python3
"""Fulfillment throughput for a burst of PaymentIntent orders: creates COUNT iDEAL orders through the service
(the merchant's backend, with the order key), waits for their creation's events to be handled, then sets the
emulator's API latency and rate limit, authorises every PaymentIntent at once on the emulator (their charge
and payment_intent.succeeded webhooks arrive together) and times until the service's ledger shows every order
paid and fulfilled. Reads the SQLite database every 250 ms (no busy-polling).

usage: order_burst.py EMULATOR_URL SERVICE_URL DATABASE_PATH ORDER_KEY COUNT LATENCY_MS RATE_LIMIT (0: none)
"""
import concurrent.futures
import sqlite3
import sys
import time

import requests

emulator, service, database, key = sys.argv[1:5]
count, latency, limit = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
http = requests.Session()
http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=32))
http.post(f"{emulator}/_emulator/faults", data={"reset": "true"}).raise_for_status()


def create(index):
    reply = http.post(f"{service}/api/orders", headers={"Authorization": f"Bearer {key}"}, timeout=60, json={
        "items": [{"name": "Burst tulips", "quantity": 1, "unit_amount": 1000 + index % 7}], "currency": "eur",
        "email": f"burst{index}@bench.test", "payment_method": "ideal"})
    reply.raise_for_status()
    order = reply.json()
    assert order["payment_intent_status"] == "requires_action", order
    return order["id"], order["payment_intent"]


with concurrent.futures.ThreadPoolExecutor(16) as pool:
    orders = list(pool.map(create, range(count)))
db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
deadline = time.time() + 120
while db.execute("SELECT count(*) FROM inbox_events WHERE status = 'pending'").fetchone()[0] and time.time() < deadline:
    time.sleep(0.25)
# From here every request the service sends to Stripe pays the latency and counts against the limit.
http.post(f"{emulator}/_emulator/faults", data={"api_latency_ms": str(latency), "rate_limit": str(limit)}).raise_for_status()

started = time.time()
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(lambda o: http.post(f"{emulator}/_emulator/payment_intents/{o[1]}/authorize",
                                      data={"outcome": "succeed"}).raise_for_status(), orders))
authorised = time.time()
deadline = started + 600
fulfilled = 0
while time.time() < deadline:
    fulfilled = db.execute("SELECT count(*) FROM purchases WHERE kind = 'order' AND status = 'fulfilled'").fetchone()[0]
    if fulfilled >= count:
        break
    time.sleep(0.25)
# The last fulfilment's own timestamp, not when this loop noticed it.
last = db.execute("SELECT max(fulfilled_at) FROM purchases WHERE kind = 'order'").fetchone()[0] or time.time()
paid = db.execute("SELECT count(*) FROM orders WHERE status = 'paid'").fetchone()[0]
dead = db.execute("SELECT count(*) FROM inbox_events WHERE status IN ('dead', 'orphaned')").fetchone()[0]
refused = http.get(f"{emulator}/_emulator/faults").json().get("rate_limited_requests", 0)
http.post(f"{emulator}/_emulator/faults", data={"reset": "true"}).raise_for_status()
elapsed = last - started
limit_text = f"a {limit} requests/s limit" if limit else "no rate limit"
print(f"burst of {count} PaymentIntent orders, emulator at {latency} ms with {limit_text}: {fulfilled} fulfilled "
      f"({paid} paid) in {elapsed:.1f} s = {fulfilled / elapsed:.1f} orders/s (all authorised after {authorised - started:.1f} s); "
      f"dead events {dead}; 429s {refused}")
if fulfilled < count:
    sys.exit(f"only {fulfilled} of {count} fulfilled within 600 s")
