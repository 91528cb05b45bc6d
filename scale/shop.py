"""What the scale tests do as a shop and its buyers: products and prices on the emulator, Checkout Sessions
made and paid, and what the mailbox and the database show of them."""
import threading
import time


def price(emulator, name, metadata):
    product = emulator.post("/v1/products", {"name": name, **{f"metadata[{k}]": v for k, v in metadata.items()}})
    return emulator.post("/v1/prices", {"product": product["id"], "currency": "eur", "unit_amount": 1500})["id"]


def session(emulator, index, lines):
    data = {"mode": "payment", "success_url": "http://shop.test/done?session_id={CHECKOUT_SESSION_ID}",
            "customer_email": f"buyer{index}@scale.test", "shipping_address_collection[allowed_countries][0]": "DE"}
    for n, (price_id, quantity) in enumerate(lines):
        data[f"line_items[{n}][price]"] = price_id
        data[f"line_items[{n}][quantity]"] = str(quantity)
    return emulator.post("/v1/checkout/sessions", data)["id"]


def pay(emulator, session_id):
    emulator.post(f"/_emulator/checkout/sessions/{session_id}/complete", {"outcome": "paid"})


def pay_in_background(emulator, session_ids, every):
    """Buyers paying the sessions one after another, `every` seconds apart, on a thread of their own; returns an
    event set once the last has paid."""
    done = threading.Event()

    def buyers():
        for session_id in session_ids:
            pay(emulator, session_id)
            time.sleep(every)
        done.set()

    threading.Thread(target=buyers, daemon=True).start()
    return done


def receipts_by_session(mailbox, session_ids):
    """Receipts as a mailbox shows them: distinct Message-IDs (the outbox keeps one per dedupe key, so a
    resend after a crash carries the same one), and how many deliveries carried each."""
    counts = {}
    for message in mailbox.received():
        message_id = message["Message-ID"] or ""
        for session_id in session_ids:
            if message_id == f"<receipt.{session_id}@stripe-fulfillment>":
                counts[session_id] = counts.get(session_id, 0) + 1
    return counts


def fulfilled(postgres, session_ids):
    listed = ",".join(f"'{s}'" for s in session_ids)
    return int(postgres.psql(f"SELECT count(*) FROM purchases WHERE status = 'fulfilled' AND subject_id IN ({listed})")[0][0])
