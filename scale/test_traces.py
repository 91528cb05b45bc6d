"""Traces and JSON logs: `fulfill serve` with the standard OTLP settings exports its spans to an OTLP/HTTP
receiver this test runs (protobuf, as swift-otel sends by default, decoded with opentelemetry-proto). A paid
Checkout Session is one trace from the webhook to the receipt: the intake's span, the worker's, its Stripe
requests and store transactions, the receipt's sending and the merchant's notification. Stripe's side sees the
trace context on each request (`traceparent`), and every line the service logs inside a span carries its ids."""
import json
import os
import shutil
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cluster_fixtures import API_KEY, Emulator, Instance, Mailbox, wait_until
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest, ExportTraceServiceResponse
from shop import pay, price, receipts_by_session, session


class Receiver:
    """An OTLP/HTTP traces receiver (`POST /v1/traces`, protobuf) that keeps every span, and a merchant endpoint
    (`POST /merchant`) that answers 200."""

    def __init__(self):
        self.spans, self.lock = [], threading.Lock()
        self.notified = []  # (the notification's type, the traceparent it carried)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/v1/traces":
                    request = ExportTraceServiceRequest()
                    request.ParseFromString(body)
                    with receiver.lock:
                        for resource in request.resource_spans:
                            for scope in resource.scope_spans:
                                receiver.spans.extend(scope.spans)
                    answer = ExportTraceServiceResponse().SerializeToString()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/x-protobuf")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                else:
                    with receiver.lock:
                        receiver.notified.append((json.loads(body).get("type"), self.headers.get("traceparent")))
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def notifications(self):
        with self.lock:
            return list(self.notified)

    def received(self):
        with self.lock:
            return list(self.spans)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def attribute(span, key):
    for kv in span.attributes:
        if kv.key == key:
            value = kv.value
            return value.string_value if value.HasField("string_value") else value.int_value
    return None


@pytest.fixture
def traced():
    workdir = tempfile.mkdtemp(prefix="traces-")
    receiver, mailbox = Receiver(), Mailbox()
    emulator = Emulator(workdir)
    instance = Instance("traced", workdir, {
        "STRIPE_SECRET_KEY": API_KEY, "STRIPE_API_BASE": emulator.url, "DATABASE_URL": f"sqlite://{workdir}/fulfillment.sqlite",
        "EMAIL_URL": f"smtp://127.0.0.1:{mailbox.port}?tls=none", "EMAIL_FROM": "shop@traces.test", "HOST": "127.0.0.1",
        "MERCHANT_WEBHOOK_URL": receiver.url + "/merchant", "MERCHANT_WEBHOOK_SECRET": "whsec_merchant_traces_0123456789",
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_BSP_SCHEDULE_DELAY": "200", "OTEL_SERVICE_NAME": "fulfillment-under-test",
        "LOG_FORMAT": "json", "LOG_LEVEL": "debug", "RECONCILE_INTERVAL": "off"})
    endpoint = emulator.post("/v1/webhook_endpoints", {"url": instance.url + "/webhook", "enabled_events[]": "*"})
    instance.environment["STRIPE_WEBHOOK_SECRET"] = endpoint["secret"]
    instance.start()
    yield emulator, instance, receiver, mailbox
    instance.stop()
    emulator.stop()
    mailbox.stop()
    receiver.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def test_each_paid_session_is_one_trace_from_the_webhook_to_the_receipt(traced):
    emulator, instance, receiver, mailbox = traced
    course = price(emulator, "Course", {"fulfillment": "digital"})
    sessions = [session(emulator, 7000 + i, [(course, 1)]) for i in range(3)]
    for s in sessions:
        pay(emulator, s)
    wait_until(lambda: len(receipts_by_session(mailbox, sessions)) == 3, 60, "three receipts")

    def receipt_spans():
        return {attribute(s, "fulfillment.email.key"): s for s in receiver.received() if s.name == "fulfillment.email"}

    wait_until(lambda: all(f"receipt:{s}" in receipt_spans() for s in sessions), 30, "the receipts' spans")
    time.sleep(1)  # the notifications' spans, exported in the next batch
    spans = receiver.received()
    by_id = {span.span_id: span for span in spans}
    completions = [s for s in spans if s.name == "fulfillment.event" and attribute(s, "stripe.event.type") == "checkout.session.completed"]
    assert len(completions) == 3, [s.name for s in spans]

    traces = set()
    for s in sessions:
        receipt = receipt_spans()[f"receipt:{s}"]
        trace = [span for span in spans if span.trace_id == receipt.trace_id]
        names = {span.name for span in trace}
        # The webhook's span at the root, the worker's under it (stored with the event, taken by the worker).
        webhooks = [span for span in trace if span.name == "webhook"]
        assert len(webhooks) == 1 and not webhooks[0].parent_span_id, names
        assert attribute(webhooks[0], "stripe.event.type") == "checkout.session.completed"
        assert attribute(webhooks[0], "http.response.status_code") == 200
        event = [span for span in trace if span.name == "fulfillment.event"]
        assert len(event) == 1 and event[0].parent_span_id == webhooks[0].span_id
        assert attribute(event[0], "fulfillment.event.outcome") == "processed"
        # Inside the event: Stripe's requests and the store's transactions.
        stripe = [span for span in trace if span.name == "stripe.request"]
        assert stripe and all(span.parent_span_id == event[0].span_id for span in stripe), names
        assert any(attribute(span, "stripe.path").startswith("/v1/checkout/sessions/") for span in stripe)
        assert any(span.name == "db.transaction" and span.parent_span_id == event[0].span_id for span in trace), names
        # The receipt and the merchant's notification, sent later by their workers, in the same trace, under the
        # event (through the transaction that queued them).
        def ancestors(span):
            chain = []
            while span.parent_span_id:
                span = by_id[span.parent_span_id]
                chain.append(span.name)
            return chain

        assert ancestors(receipt)[-2:] == ["fulfillment.event", "webhook"], ancestors(receipt)
        notified = [span for span in trace if span.name == "fulfillment.dispatch"
                    and attribute(span, "fulfillment.dispatch.type") == "checkout.fulfilled"]
        assert len(notified) == 1 and ancestors(notified[0])[-2:] == ["fulfillment.event", "webhook"], names
        traces.add(receipt.trace_id)
        # Every span of the trace hangs from the webhook's.
        for span in trace:
            root = span
            while root.parent_span_id:
                root = by_id[root.parent_span_id]
            assert root.span_id == webhooks[0].span_id
    assert len(traces) == 3, "one trace per paid session"

    # W3C trace context on the requests Stripe received: each stripe.request span's own context.
    sent = [r["traceparent"] for r in emulator.get("/_emulator/requests")["data"] if r["path"].startswith("/v1/checkout/sessions/cs_")]
    stripe_spans = {(span.trace_id.hex(), span.span_id.hex()) for span in spans if span.name == "stripe.request"}
    assert sent and all(tp is not None for tp in sent), sent
    carried = {tuple(tp.split("-")[1:3]) for tp in sent}
    assert carried <= stripe_spans, "each request carried the span of its call"

    # The merchant's notifications carry the trace too: each `checkout.fulfilled` names a receipt's trace.
    fulfilled_parents = [tp for kind, tp in receiver.notifications() if kind == "checkout.fulfilled"]
    assert len(fulfilled_parents) == 3 and all(fulfilled_parents), receiver.notifications()
    assert {bytes.fromhex(tp.split("-")[1]) for tp in fulfilled_parents} == traces

    # JSON logs: every line of the service's own logs is a JSON object; those logged inside a span carry its ids.
    lines = [line for line in instance.log().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    assert records and all({"time", "level", "label", "message"} <= set(r) for r in records)
    traced_lines = [r for r in records if r.get("message") == "stripe request succeeded" and "trace_id" in r]
    receipt_traces = {t.hex() for t in traces}
    assert any(r["trace_id"] in receipt_traces for r in traced_lines), traced_lines[:3]
    sent_lines = [r for r in records if r.get("message") == "email sent" and r.get("email.key", "").startswith("receipt:")]
    assert len(sent_lines) == 3 and {r["trace_id"] for r in sent_lines} == receipt_traces
