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
    card = call("POST", "/v1/payment_methods", "payment_method card", type="card", **{"card[token]": "tok_visa", "billing_details[name]": "C"})
    call("POST", "/v1/payment_methods", "payment_method ideal", type="ideal", **{"ideal[bank]": "ing"})
    call("POST", "/v1/payment_methods", "payment_method bancontact", type="bancontact")
    call("POST", "/v1/payment_methods", "payment_method sepa_debit", type="sepa_debit", **{"sepa_debit[iban]": "DE89370400440532013000"})
    call("GET", "/v1/payment_methods/pm_card_threeDSecure2Required", "payment_method test id")
    call("POST", f"/v1/payment_methods/{card['id']}/attach", "payment_method attached", customer=customer["id"])
    call("GET", "/v1/payment_methods", "payment_method list", customer=customer["id"], type="card")
    call("POST", f"/v1/payment_methods/{card['id']}/detach", "payment_method detached")
    intent = call("POST", "/v1/payment_intents", "payment_intent created", amount=2500, currency="eur", **{"metadata[order_id]": "ord_1"})
    call("POST", f"/v1/payment_intents/{intent['id']}", "payment_intent updated", description="Order ord_1", payment_method="pm_card_visa")
    declined = call("POST", f"/v1/payment_intents/{intent['id']}/confirm", "payment_intent declined (402)", ok=(402,),
                    payment_method="pm_card_chargeDeclined")
    got.append(("payment_intent declined, as the error carries it", declined["error"]["payment_intent"]))
    call("POST", f"/v1/payment_intents/{intent['id']}/confirm", "payment_intent succeeded", payment_method="pm_card_visa")
    redirect = call("POST", "/v1/payment_intents", "payment_intent requires_action", amount=900, currency="eur", confirm="true",
                    return_url="https://x.example/orders/ord_2", **{"payment_method_types[]": "ideal", "payment_method_data[type]": "ideal"})
    call("POST", f"/v1/payment_intents/{redirect['id']}/cancel", "payment_intent canceled")
    saving = call("POST", "/v1/payment_intents", "payment_intent saving iDEAL", amount=900, currency="eur", confirm="true",
                  customer=customer["id"], setup_future_usage="off_session", return_url="https://x.example/orders/ord_3",
                  **{"payment_method_types[]": "ideal", "payment_method_data[type]": "ideal"})
    control(emulator, f"/payment_intents/{saving['id']}/authorize", outcome="succeed")
    generated = call("GET", "/v1/payment_methods", "payment_method generated sepa_debit list", customer=customer["id"], type="sepa_debit")
    call("POST", "/v1/payment_intents", "payment_intent off-session", amount=900, currency="eur", confirm="true",
         customer=customer["id"], off_session="true", payment_method=generated["data"][0]["id"],
         **{"payment_method_types[]": "sepa_debit"})
    debits = {}
    for iban in ("DE89370400440532013000", "DE62370400440532013001"):
        debits[iban] = call("POST", "/v1/payment_intents", "payment_intent processing", amount=900, currency="eur", confirm="true",
                            **{"payment_method_types[]": "sepa_debit", "payment_method_data[type]": "sepa_debit",
                               "payment_method_data[sepa_debit][iban]": iban, "mandate_data[customer_acceptance][type]": "offline"})
    failing = call("POST", "/v1/payment_intents", "payment_intent bank page", amount=900, currency="eur", confirm="true",
                   return_url="https://x.example/orders/ord_4", **{"payment_method_types[]": "bancontact", "payment_method_data[type]": "bancontact"})
    control(emulator, f"/payment_intents/{failing['id']}/authorize", outcome="fail")
    call("GET", f"/v1/payment_intents/{failing['id']}", "payment_intent refused on the bank page")
    control(emulator, "/clock/advance", seconds=str(15 * 24 * 3600))
    settled = call("GET", f"/v1/payment_intents/{debits['DE89370400440532013000']['id']}", "payment_intent settled")
    bounced = call("GET", f"/v1/payment_intents/{debits['DE62370400440532013001']['id']}", "payment_intent debit failed")
    assert settled["status"] == "succeeded" and bounced["status"] == "requires_payment_method" and bounced["last_payment_error"]

    def session(**extra):
        form = {"mode": "payment", "success_url": "https://x.example/ok?id={CHECKOUT_SESSION_ID}",
                "cancel_url": "https://x.example/cart", "line_items[0][price]": price["id"],
                "line_items[0][quantity]": "2", "line_items[1][price_data][currency]": "eur",
                "line_items[1][price_data][unit_amount]": "300",
                "line_items[1][price_data][product_data][name]": "Sticker", "line_items[1][quantity]": "1"}
        form.update(extra)
        return call("POST", "/v1/checkout/sessions", "checkout.session open", **form)

    paid = session(**{"shipping_address_collection[allowed_countries][]": "DE", "customer_email": "p@example.com",
                      "locale": "es"})
    control(emulator, f"/checkout/sessions/{paid['id']}/complete", outcome="paid")
    paid = call("GET", f"/v1/checkout/sessions/{paid['id']}", "checkout.session paid",
                **{"expand[]": "line_items.data.price.product"})
    call("GET", f"/v1/checkout/sessions/{paid['id']}/line_items", "line items",
         **{"expand[]": "data.price.product"})
    intent = call("GET", f"/v1/payment_intents/{paid['payment_intent']}", "payment_intent succeeded",
                  **{"expand[]": "latest_charge"})
    call("GET", "/v1/payment_intents", "payment_intent list")
    charge_id = intent["latest_charge"]["id"]
    call("POST", "/v1/refunds", "refund partial", charge=charge_id, amount="500", reason="requested_by_customer",
         **{"metadata[why]": "damaged"})
    call("GET", f"/v1/charges/{charge_id}", "charge partially refunded")
    refund = call("POST", "/v1/refunds", "refund rest", payment_intent=intent["id"])
    call("GET", f"/v1/refunds/{refund['id']}", "refund retrieved", **{"expand[]": "charge"})
    call("GET", "/v1/refunds", "refund list", charge=charge_id)
    call("POST", "/v1/refunds", "error charge already refunded", ok=(400,), charge=charge_id)
    disputed = session()
    control(emulator, f"/checkout/sessions/{disputed['id']}/complete", outcome="paid")
    disputed_paid = call("GET", f"/v1/checkout/sessions/{disputed['id']}", "checkout.session paid again")
    disputed_charge = call("GET", f"/v1/payment_intents/{disputed_paid['payment_intent']}",
                           "payment_intent again")["latest_charge"]
    dispute = control(emulator, f"/charges/{disputed_charge}/dispute", reason="product_not_received")
    got.append(("dispute opened", dispute))
    call("GET", f"/v1/charges/{disputed_charge}", "charge disputed")
    got.append(("dispute lost", control(emulator, f"/disputes/{dispute['id']}/close", outcome="lost")))
    call("GET", f"/v1/disputes/{dispute['id']}", "dispute retrieved", **{"expand[]": "charge"})
    call("GET", "/v1/disputes", "dispute list")
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
    call("GET", "/v1/payment_intents", "payment_intent list settled (one failed)", limit="100")

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
                "webhook_endpoint", "error", "payment_intent", "refund", "dispute"}
    assert expected <= kinds, f"missing kinds: {expected - kinds}"
