"""Every kind of object the emulator serves validates against Stripe's OpenAPI schemas (API 2023-08-16),
in every state the emulator can put it in. Uses validate_object.py, Stripe's spec and its rules for `nullable`."""
import os
import sys

import pytest
import requests

from conftest import control

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "stripe-openapi"))
import validate_object  # noqa: E402

AUTH = {"Authorization": "Bearer sk_test_openapi"}


@pytest.fixture(scope="module")
def validator_for():
    return validate_object.load_validators()


def collect(emulator):
    """Drives every endpoint through its states and returns (label, response JSON) pairs."""
    got = []

    def call(method, path, label, ok=(200,), **form):
        response = requests.request(method, emulator + path, headers=AUTH,
                                    data=form if method == "POST" else None,
                                    params=form if method != "POST" else None, timeout=10)
        assert response.status_code in ok, (label, response.status_code, response.text)
        got.append((label, response.json()))
        return response.json()

    product = call("POST", "/v1/products", "product", name="Book", description="A book", **{"metadata[k]": "v"})
    call("GET", f"/v1/products/{product['id']}", "product retrieved")
    call("GET", "/v1/products", "product list")
    price = call("POST", "/v1/prices", "price", product=product["id"], currency="eur", unit_amount=1500)
    call("GET", f"/v1/prices/{price['id']}", "price expanded", **{"expand[]": "product"})
    call("GET", "/v1/prices", "price list")
    customer = call("POST", "/v1/customers", "customer", email="c@example.com", name="C")
    call("GET", f"/v1/customers/{customer['id']}", "customer retrieved")

    def session(**extra):
        form = {"mode": "payment", "success_url": "https://x.example/ok?id={CHECKOUT_SESSION_ID}",
                "cancel_url": "https://x.example/cart", "line_items[0][price]": price["id"],
                "line_items[0][quantity]": "2", "line_items[1][price_data][currency]": "eur",
                "line_items[1][price_data][unit_amount]": "300",
                "line_items[1][price_data][product_data][name]": "Sticker", "line_items[1][quantity]": "1"}
        form.update(extra)
        return call("POST", "/v1/checkout/sessions", "checkout.session open", **form)

    paid = session(**{"shipping_address_collection[allowed_countries][]": "DE", "customer_email": "p@example.com"})
    control(emulator, f"/checkout/sessions/{paid['id']}/complete", outcome="paid")
    call("GET", f"/v1/checkout/sessions/{paid['id']}", "checkout.session paid",
         **{"expand[]": "line_items.data.price.product"})
    call("GET", f"/v1/checkout/sessions/{paid['id']}/line_items", "line items",
         **{"expand[]": "data.price.product"})
    delayed = session(customer=customer["id"])
    control(emulator, f"/checkout/sessions/{delayed['id']}/complete", outcome="delayed_failure")
    call("GET", f"/v1/checkout/sessions/{delayed['id']}", "checkout.session unpaid")
    expired = session()
    call("POST", f"/v1/checkout/sessions/{expired['id']}/expire", "checkout.session expired")
    call("GET", "/v1/checkout/sessions", "checkout.session list")

    card = call("POST", "/v1/sources", "source card", type="card", token="tok_visa")
    call("POST", "/v1/charges", "charge succeeded", amount=700, currency="usd", source=card["id"],
         **{"metadata[order_id]": "o1"})
    call("POST", "/v1/charges", "charge declined (error)", ok=(402,), amount=700, currency="usd",
         source="tok_chargeDeclined")
    for kind, extra in [("ideal", {"ideal[bank]": "ing"}), ("bancontact", {}), ("sofort", {"sofort[country]": "DE"}),
                        ("three_d_secure", {"three_d_secure[card]": card["id"]})]:
        src = call("POST", "/v1/sources", f"source {kind}", type=kind, amount=900, currency="eur",
                   **{"redirect[return_url]": "https://x.example/r"}, **extra)
        control(emulator, f"/sources/{src['id']}/authorize", outcome="chargeable")
        call("GET", f"/v1/sources/{src['id']}", f"source {kind} chargeable")
        call("POST", "/v1/charges", f"charge {kind}", amount=900, currency="eur", source=src["id"])
    refused = call("POST", "/v1/sources", "source pending", type="ideal", amount=900, currency="eur",
                   **{"redirect[return_url]": "https://x.example/r"})
    control(emulator, f"/sources/{refused['id']}/authorize", outcome="failed")
    call("GET", f"/v1/sources/{refused['id']}", "source failed")
    sepa = call("POST", "/v1/sources", "source sepa", type="sepa_debit", currency="eur",
                **{"sepa_debit[iban]": "DE89370400440532013000"})
    call("POST", f"/v1/customers/{customer['id']}/sources", "source attached", source=sepa["id"])
    call("POST", "/v1/charges", "charge pending", amount=1200, currency="eur", customer=customer["id"])
    call("GET", "/v1/charges", "charge list")
    control(emulator, "/clock/advance", seconds=str(7 * 24 * 3600))
    call("GET", "/v1/charges", "charge list settled")

    endpoint = call("POST", "/v1/webhook_endpoints", "webhook_endpoint", url="https://x.example/hook",
                    **{"enabled_events[]": "checkout.session.completed"})
    call("GET", "/v1/webhook_endpoints", "webhook_endpoint list")
    call("DELETE", f"/v1/webhook_endpoints/{endpoint['id']}", "webhook_endpoint deleted")
    call("GET", "/v1/events", "event list", limit="100")
    call("GET", "/v1/checkout/sessions/cs_missing", "error 404", ok=(404,))
    return got


def objects_of(label, document):
    if isinstance(document, dict) and "error" in document:
        yield label, {"object": "error", **document}
        return
    for obj in validate_object.objects_in(document):
        yield label, obj
        for key in ("line_items",):
            if isinstance(obj.get(key), dict):
                yield from objects_of(f"{label}.{key}", obj[key]["data"])
        if obj.get("object") == "event":
            yield f"{label} -> data.object", obj["data"]["object"]


def test_every_response_validates_against_the_openapi_schemas(emulator, validator_for):
    checked, invalid, kinds = 0, [], set()
    for label, document in collect(emulator):
        for where, obj in objects_of(label, document):
            kind = obj.get("object")
            schema = "error" if kind == "error" else (f"deleted_{kind}" if obj.get("deleted") else kind)
            validator = validator_for(schema)
            assert validator is not None, f"no schema for {kind} ({where})"
            subject = {"error": obj["error"]} if kind == "error" else obj
            errors = sorted(validator.iter_errors(subject), key=lambda e: list(e.path))
            checked += 1
            kinds.add(kind)
            if errors:
                e = errors[0]
                invalid.append(f"{where} {obj.get('id', '?')}: {'/'.join(map(str, e.path))}: {e.message[:200]}")
    print(f"openapi: {checked - len(invalid)}/{checked} objects valid across {sorted(kinds)}")
    assert not invalid, "\n".join(invalid)
    expected = {"product", "price", "customer", "checkout.session", "item", "source", "charge", "event",
                "webhook_endpoint", "error"}
    assert expected <= kinds, f"missing kinds: {expected - kinds}"
