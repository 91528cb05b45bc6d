#!/usr/bin/env python3
"""End-to-end fulfillment latency: from the moment the emulator is asked to complete a paid Checkout Session
to the moment the service's ledger records it fulfilled (webhook delivery, inbox, worker, re-fetch, commit).
The ledger's own `fulfilled_at` gives the end: each client waits for its session by reading the ledger
every 100 ms, which does not change the figure and does not load the machine (no busy-polling). The clients
complete sessions through http.client on a kept-alive connection, not requests: they share the two cores and
one interpreter lock with what they measure, and requests cost 1.9 ms of the harness's CPU per session where
http.client costs 0.6 ms (measured with time.process_time over 400 sessions).

usage: e2e_latency.py EMULATOR_URL DATABASE_PATH COUNT [CONCURRENCY] [WARMUP]
Prints p50/p90/p99/max in milliseconds over COUNT sessions, after WARMUP (default 50) unreported ones that
warm connections and caches. Timestamps are wall-clock on one machine.
"""
import concurrent.futures
import http.client
import sqlite3
import statistics
import sys
import threading
import time
import urllib.parse

import requests

emulator, database, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
concurrency = int(sys.argv[4]) if len(sys.argv) > 4 else 1
warmup = int(sys.argv[5]) if len(sys.argv) > 5 else 50
auth = {"Authorization": "Bearer sk_test_bench"}
setup = requests.Session()

product = setup.post(f"{emulator}/v1/products", headers=auth,
                    data={"name": "Bench course", "metadata[fulfillment]": "digital"}).json()
price = setup.post(f"{emulator}/v1/prices", headers=auth,
                  data={"product": product["id"], "currency": "eur", "unit_amount": 1000}).json()
sessions = [setup.post(f"{emulator}/v1/checkout/sessions", headers=auth, data={
    "mode": "payment", "success_url": "http://127.0.0.1/ok?session_id={CHECKOUT_SESSION_ID}",
    "line_items[0][price]": price["id"], "line_items[0][quantity]": "1"}).json()["id"] for _ in range(warmup + count)]


local = threading.local()


def one(session_id):
    # One HTTP session and one database connection per client thread: the clients share the machine with
    # what they measure, so they keep their own work small.
    if not hasattr(local, "http"):
        address = urllib.parse.urlsplit(emulator)
        local.http = http.client.HTTPConnection(address.hostname, address.port)
        local.db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30, check_same_thread=False)
    s, db = local.http, local.db
    started = time.time()
    s.request("POST", f"/_emulator/checkout/sessions/{session_id}/complete", body="outcome=paid",
              headers={"Content-Type": "application/x-www-form-urlencoded"})
    answer = s.getresponse()
    answer.read()
    if answer.status != 200:
        raise SystemExit(f"completing {session_id} answered {answer.status}")
    deadline = started + 30
    while time.time() < deadline:
        time.sleep(0.1)
        row = db.execute("SELECT fulfilled_at FROM checkouts WHERE session_id = ? AND status = 'fulfilled'", (session_id,)).fetchone()
        if row:
            return (row[0] - started) * 1000
    raise SystemExit(f"{session_id} was not fulfilled within 30 s")


with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
    list(pool.map(one, sessions[:warmup]))
    measured_from = time.time()
    latencies = sorted(pool.map(one, sessions[warmup:]))
    arrival_rate = count / (time.time() - measured_from)
q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))]
print(f"end-to-end fulfillment ({count} sessions, {concurrency} at a time): p50 {q(0.5):.1f} ms, "
      f"p90 {q(0.9):.1f} ms, p99 {q(0.99):.1f} ms, max {latencies[-1]:.1f} ms, mean {statistics.mean(latencies):.1f} ms "
      f"({arrival_rate:.0f} sessions/s paid)")
