#!/usr/bin/env python3
"""End-to-end fulfillment latency: from the moment the emulator is asked to complete a paid Checkout Session
to the moment the service has durably fulfilled it (webhook delivery, inbox, worker, re-fetch, the ledger's
commit). The end is the inbox event's `processed_at`, which the service stamps once the ledger's commit has
returned. (The ledger's own `fulfilled_at` is stamped when the fulfilment is planned, before its commit waits
for the group commit and the sync: under a burst that left out 5 ms at p50 and 9 ms at p99.)

CONCURRENCY clients each pay a session, wait for its fulfilment and pay the next. They are driven from one
thread: every waiting client's request is written first, then every answer read, so "16 at once" means 16
payments sent within a millisecond. Then the database is read every 100 ms, one query for every session still
waiting (no busy-polling), and each client whose session is done pays its next one. The client's clock just
before its request starts each measurement. Earlier, one thread per client took turns on the interpreter
lock: a burst's payments left over ~12 ms of the clients' own CPU (0.6 ms a session), on the two cores the
measured processes share. Then http.client's requests and answers (its header parsing above all) still took
0.23 ms of CPU a session; each client now writes its request as prepared bytes on a kept-alive socket and
reads the answer by its Content-Length (0.05 ms a session).

It also prints where the time goes, from the inbox's `received_at`: Stripe's part (the emulator completes the
payment, signs and delivers the webhook; the service stores it durably), then the service's part (claim,
re-fetch from the emulator, plan, commit to the ledger); and, with E2E_PROCESSES="name=pid ...", each
process's CPU time and context switches per session over the measured sessions.

usage: e2e_latency.py EMULATOR_URL DATABASE_PATH COUNT [CONCURRENCY] [WARMUP]
Prints p50/p90/p99/max in milliseconds over COUNT sessions, after WARMUP (default 50) unreported ones that
warm connections and caches. Timestamps are wall-clock on one machine.
"""
import os
import socket
import sqlite3
import statistics
import sys
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

address = urllib.parse.urlsplit(emulator)


class Client:
    """One kept-alive HTTP/1.1 connection to the emulator that sends a prepared request and reads the answer
    by its Content-Length: the least CPU on the cores the measured processes share."""

    def __init__(self):
        self.socket = socket.create_connection((address.hostname, address.port))
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def send_completion(self, session_id):
        self.socket.sendall(
            f"POST /_emulator/checkout/sessions/{session_id}/complete HTTP/1.1\r\nHost: {address.netloc}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 12\r\n\r\noutcome=paid".encode())

    def read_status(self):
        """Reads one whole answer; returns its status code."""
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self.buffer += self.receive()
        head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4:]
        lengths = [line.split(":", 1)[1] for line in head.split("\r\n")[1:] if line.lower().startswith("content-length:")]
        if not lengths:
            raise SystemExit(f"the emulator answered without a Content-Length: {head!r}")
        length = int(lengths[0])
        while len(self.buffer) < length:
            self.buffer += self.receive()
        self.buffer = self.buffer[length:]
        return int(head.split(" ", 2)[1])

    def receive(self):
        data = self.socket.recv(65536)
        if not data:
            raise SystemExit("the emulator closed the connection")
        return data


connections = [Client() for _ in range(concurrency)]
ledger = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)


def pay(batch):
    """Completes each (client, session id) of the batch: every request written, then every answer read.
    Returns {session id: (client, started)}."""
    started = {}
    for client, session_id in batch:
        started[session_id] = (client, time.time())
        connections[client].send_completion(session_id)
    for client, session_id in batch:
        status = connections[client].read_status()
        if status != 200:
            raise SystemExit(f"completing {session_id} answered {status}")
    return started


def run(queue):
    """Pays every session of the queue, CONCURRENCY at a time. Returns [(started, session id, done at)]."""
    queue = list(queue)
    waiting = {}
    measured = []
    idle = list(range(concurrency))
    while queue or waiting:
        batch = [(client, queue.pop(0)) for client in idle[:len(queue)]]
        waiting.update(pay(batch))
        idle = []
        deadline = time.time() + 30
        while not idle:
            time.sleep(0.1)
            marks = ",".join("?" * len(waiting))
            for session_id, done_at in ledger.execute(
                    f"""SELECT c.subject_id, e.processed_at FROM purchases c
                        JOIN inbox_events e ON e.object_id = c.subject_id AND e.type = 'checkout.session.completed'
                        WHERE c.status = 'fulfilled' AND e.status = 'processed' AND c.subject_id IN ({marks})""",
                    list(waiting)):
                client, started = waiting.pop(session_id)
                measured.append((started, session_id, done_at))
                idle.append(client)
            if time.time() > deadline:
                raise SystemExit(f"{len(waiting)} sessions were not fulfilled within 30 s")
    return measured


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def context_switches(pid):
    total = 0
    for thread in os.listdir(f"/proc/{pid}/task"):
        for line in open(f"/proc/{pid}/task/{thread}/status"):
            if "ctxt_switches" in line:
                total += int(line.split()[1])
    return total


def percentiles(values):
    values = sorted(values)
    q = lambda p: values[min(len(values) - 1, int(p * len(values)))]
    return f"p50 {q(0.5):.1f} ms, p90 {q(0.9):.1f} ms, p99 {q(0.99):.1f} ms"


watched = dict(part.split("=") for part in os.environ.get("E2E_PROCESSES", "").split())
run(sessions[:warmup])
measured_from, clients_cpu_from = time.time(), time.process_time()
cpu_from = {name: cpu_seconds(pid) for name, pid in watched.items()}
switches_from = {name: context_switches(pid) for name, pid in watched.items()}
measured = run(sessions[warmup:])
arrival_rate = count / (time.time() - measured_from)
cpu = [f"the clients {(time.process_time() - clients_cpu_from) * 1000 / count:.2f}"] + [
    f"{name} {(cpu_seconds(pid) - cpu_from[name]) * 1000 / count:.2f}" for name, pid in watched.items()]
switches = [f"{name} {(context_switches(pid) - switches_from[name]) / count:.0f}" for name, pid in watched.items()]

latencies = sorted((done - started) * 1000 for started, _, done in measured)
print(f"end-to-end fulfillment ({count} sessions, {concurrency} at a time): {percentiles(latencies)}, "
      f"max {latencies[-1]:.1f} ms, mean {statistics.mean(latencies):.1f} ms ({arrival_rate:.0f} sessions/s paid)")
received = dict(ledger.execute("SELECT object_id, received_at FROM inbox_events WHERE type = 'checkout.session.completed'"))
print(f"  paid -> in the inbox (the emulator completes, signs and delivers; the service stores): "
      f"{percentiles((received[sid] - started) * 1000 for started, sid, _ in measured)}")
print(f"  in the inbox -> fulfilled (the service claims, re-fetches from the emulator, plans, commits): "
      f"{percentiles((done - received[sid]) * 1000 for _, sid, done in measured)}")
print(f"  CPU a session: {', '.join(cpu)} ms" + (f"; context switches a session: {', '.join(switches)}" if switches else ""))
