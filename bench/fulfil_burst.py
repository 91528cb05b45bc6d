#!/usr/bin/env python3
"""Fulfillment throughput for a burst: creates COUNT Checkout Sessions, then sets the emulator's API latency
and rate limit, completes them all at once and times until the service's ledger shows every one fulfilled.
Reads the SQLite ledger every 250 ms (no busy-polling).

usage: fulfil_burst.py EMULATOR_URL DATABASE_PATH COUNT LATENCY_MS RATE_LIMIT (0: none)
"""
import concurrent.futures
import sqlite3
import sys
import time

import requests

emulator, database, count, latency, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
auth = {"Authorization": "Bearer sk_test_bench"}
http = requests.Session()
http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=32))

http.post(f"{emulator}/_emulator/faults", data={"reset": "true"}).raise_for_status()
product = http.post(f"{emulator}/v1/products", headers=auth, data={"name": "Burst course", "metadata[fulfillment]": "digital"}).json()
price = http.post(f"{emulator}/v1/prices", headers=auth, data={"product": product["id"], "currency": "eur", "unit_amount": 1000}).json()


def create(_):
    return http.post(f"{emulator}/v1/checkout/sessions", headers=auth, data={
        "mode": "payment", "success_url": "http://127.0.0.1/ok?session_id={CHECKOUT_SESSION_ID}",
        "line_items[0][price]": price["id"], "line_items[0][quantity]": "1"}).json()["id"]


with concurrent.futures.ThreadPoolExecutor(16) as pool:
    sessions = list(pool.map(create, range(count)))
# From here every request the service sends to Stripe pays the latency and counts against the limit.
http.post(f"{emulator}/_emulator/faults", data={"api_latency_ms": str(latency), "rate_limit": str(limit)}).raise_for_status()

db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
started = time.time()
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(lambda s: http.post(f"{emulator}/_emulator/checkout/sessions/{s}/complete", data={"outcome": "paid"}).raise_for_status(), sessions))
paid = time.time()
deadline = started + 600
fulfilled = 0
while time.time() < deadline:
    fulfilled = db.execute("SELECT count(*) FROM purchases WHERE status = 'fulfilled'").fetchone()[0]
    if fulfilled >= count:
        break
    time.sleep(0.25)
# The last fulfilment's own timestamp, not when this loop noticed it.
last = db.execute("SELECT max(fulfilled_at) FROM purchases WHERE status = 'fulfilled'").fetchone()[0] or time.time()
dead = db.execute("SELECT count(*) FROM inbox_events WHERE status IN ('dead', 'orphaned')").fetchone()[0]
refused = http.get(f"{emulator}/_emulator/faults").json().get("rate_limited_requests", 0)
http.post(f"{emulator}/_emulator/faults", data={"reset": "true"}).raise_for_status()
elapsed = last - started
limit_text = f"a {limit} requests/s limit" if limit else "no rate limit"
print(f"burst of {count} paid sessions, emulator at {latency} ms with {limit_text}: {fulfilled} fulfilled in {elapsed:.1f} s = "
      f"{fulfilled / elapsed:.1f} sessions/s (all paid after {paid - started:.1f} s); dead events {dead}; 429s {refused}")
if fulfilled < count:
    sys.exit(f"only {fulfilled} of {count} fulfilled within 600 s")
