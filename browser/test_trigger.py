"""`fulfill trigger` against a running demo, as the README's tour runs it: each scenario creates its order (or
session) through the service, plays the customer's side on the emulator, and prints the service's final status
JSON. The PaymentIntent scenarios and one of the legacy Sources flow's."""
import json
import os
import subprocess

import pytest
from demo_fixtures import ROOT, demo  # noqa: F401 (pytest fixture)

BINARY = os.environ.get("FULFILL_BIN", os.path.join(ROOT, ".build", "debug", "fulfill"))


def trigger(demo, scenario):
    result = subprocess.run(
        [BINARY, "trigger", scenario, "--api-base", demo["emulator"], "--service-url", demo["url"].rstrip("/"), "--timeout", "30"],
        capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    final = [line for line in result.stdout.splitlines() if line.startswith("result")]
    assert final, result.stdout
    return json.loads(final[-1].split(" ", 1)[1].strip()), result.stdout


@pytest.mark.parametrize("scenario, status, flow", [
    ("payment_intent.succeeded", "paid", "payment_intents"),
    ("payment_intent.3ds_authorized", "paid", "payment_intents"),
    ("payment_intent.processing", "paid", "payment_intents"),
    ("payment_intent.payment_failed", "awaiting_payment", "payment_intents"),
    ("source.chargeable", "paid", "sources"),
])
def test_trigger_drives_an_order_to_its_outcome(demo, scenario, status, flow):
    answer, output = trigger(demo, scenario)
    assert answer["status"] == status and answer["payment_flow"] == flow, output
    assert answer["items"][0]["name"] == "Triggered tulips"
    if scenario == "payment_intent.payment_failed":
        assert answer["can_pay_again"] is True and answer["failure_reason"]
    if scenario == "payment_intent.processing":
        assert "pending " in output, "it was on its way before it settled"
