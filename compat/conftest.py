"""Fixtures: a real `fulfill emulator` process on a free loopback port, forwarding every event to a
webhook receiver in this process, with a fixed signing secret."""
import http.server
import json
import os
import socket
import subprocess
import threading
import time

import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = "whsec_compat_fixed_secret_for_tests"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """Records each webhook delivery: the raw body and the Stripe-Signature header."""

    def __init__(self):
        self.deliveries = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.deliveries.append((body, self.headers.get("Stripe-Signature")))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, predicate, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                found = [d for d in self.deliveries if predicate(json.loads(d[0]))]
            if found:
                return found
            time.sleep(0.02)
        raise AssertionError("no matching webhook delivery arrived")


@pytest.fixture(scope="session")
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture(scope="session")
def emulator(receiver):
    binary = os.environ.get("FULFILL_BIN", os.path.join(ROOT, ".build", "debug", "fulfill"))
    port = free_port()
    process = subprocess.Popen(
        [binary, "emulator", "--port", str(port), "--forward-to", receiver.url, "--webhook-secret", SECRET,
         "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            requests.get(base + "/", timeout=1)
            break
        except requests.ConnectionError:
            if process.poll() is not None:
                raise RuntimeError("emulator exited: " + process.stdout.read())
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("emulator did not start")
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture()
def stripe_sdk(emulator):
    import stripe
    stripe.api_key = "sk_test_compat"
    stripe.api_base = emulator
    stripe.api_version = "2023-08-16"
    stripe.max_network_retries = 0
    return stripe


def control(base, path, **form):
    response = requests.post(base + "/_emulator" + path, data=form, timeout=10)
    response.raise_for_status()
    return response.json()
