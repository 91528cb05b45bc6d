"""The confirmation page in a real browser, for the Sources flow and for PaymentIntents (through the emulator's
bank page and back, in English and in Spanish, and paying again after a failed attempt): it shows the guide's message for each state as
the order moves (without a reload: it polls), stops polling after about ten tries while the payment is
still on its way, and does not poll at all once the order is final."""
import time

import requests
from demo_fixtures import browser, demo  # noqa: F401 (pytest fixtures)
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def wait_for(browser, locator, timeout=20):
    return WebDriverWait(browser, timeout).until(EC.presence_of_element_located(locator))


def wait_for_state(browser, state, timeout=20):
    WebDriverWait(browser, timeout).until(
        lambda b: b.find_element(By.ID, "message").get_attribute("data-state") == state)
    return browser.find_element(By.ID, "heading").text, browser.find_element(By.ID, "message").text


def sticker_price(demo):
    """The demo's sticker pack price: anyone may order by price id (caller-priced items need ORDER_API_KEY)."""
    auth = {"Authorization": "Bearer sk_test_demo"}
    products = requests.get(demo["emulator"] + "/v1/products", params={"limit": 100}, headers=auth, timeout=10).json()["data"]
    stickers = next(p["id"] for p in products if p["name"] == "Sticker pack")
    prices = requests.get(demo["emulator"] + "/v1/prices", params={"limit": 100}, headers=auth, timeout=10).json()["data"]
    return next(p["id"] for p in prices if p["product"] == stickers)


def create_order(demo, method, flow="sources", **extra):
    body = {"items": [{"price": sticker_price(demo), "quantity": 2}], "currency": "eur",
            "email": "sam@example.com", "payment_method": method, "payment_flow": flow, **extra}
    reply = requests.post(demo["url"] + "api/orders", json=body, timeout=10)
    assert reply.status_code == 201, reply.text
    return reply.json()


def control(demo, path, **form):
    reply = requests.post(demo["emulator"] + "/_emulator" + path, data=form, timeout=10)
    assert reply.status_code == 200, reply.text


def source_id(order):
    # The authorisation page the customer is sent to: .../sources/{id}/authorize?client_secret=...
    return order["next_url"].split("/sources/")[1].split("/")[0]


def test_the_page_follows_a_bank_payment_from_received_to_confirmed(demo, browser):
    order = create_order(demo, "sofort", sofort_country="DE")
    browser.get(demo["url"] + "orders/" + order["id"])
    heading, message = wait_for_state(browser, "awaiting_payment")
    assert heading == "Order received"
    assert "awaiting confirmation of your payment" in message
    assert "Sticker pack" in browser.find_element(By.ID, "items").text
    assert not browser.find_element(By.ID, "retry-block").is_displayed()

    # The customer authorises elsewhere; the page learns it by polling: the charge is pending (SOFORT settles later).
    control(demo, f"/sources/{source_id(order)}/authorize", outcome="chargeable")
    heading, message = wait_for_state(browser, "charge_pending")
    assert heading == "Order received"
    assert "on its way" in message

    # About ten tries, then the page stops and says an email will follow.
    polling = browser.find_element(By.ID, "polling")
    WebDriverWait(browser, 25).until(lambda b: polling.get_attribute("data-stopped") == "limit")
    assert polling.get_attribute("data-polls") == "10"
    assert "email you" in polling.text
    time.sleep(2.5)
    assert polling.get_attribute("data-polls") == "10"  # stopped for good

    # Days later the debit settles; the customer opens the page again.
    control(demo, "/clock/advance", seconds=str(4 * 24 * 3600))
    WebDriverWait(browser, 20).until(
        lambda b: requests.get(demo["url"] + "api/orders/" + order["id"], timeout=5).json()["status"] == "paid")
    browser.get(demo["url"] + "orders/" + order["id"])
    heading, message = wait_for_state(browser, "confirmed")
    assert heading == "Payment confirmed"
    assert "order is complete" in message
    polling = browser.find_element(By.ID, "polling")
    WebDriverWait(browser, 5).until(lambda b: polling.get_attribute("data-stopped") == "final")
    assert polling.get_attribute("data-polls") == "0"  # a final order is not polled


def test_a_refused_payment_brings_the_customer_back_to_a_failure_with_a_way_back(demo, browser):
    order = create_order(demo, "ideal")
    browser.get(order["next_url"])  # the emulator's authorisation page, as the API told us
    wait_for(browser, (By.ID, "fail")).click()
    heading, message = wait_for_state(browser, "failed")
    assert "/orders/" + order["id"] in browser.current_url
    assert heading == "Payment failed"
    assert "not processed" in message
    retry = browser.find_element(By.ID, "retry")
    assert retry.is_displayed()
    assert retry.get_attribute("href") == demo["url"]
    WebDriverWait(browser, 5).until(
        lambda b: b.find_element(By.ID, "polling").get_attribute("data-stopped") == "final")


def test_a_failed_charge_turns_a_waiting_page_into_payment_failed(demo, browser):
    order = create_order(demo, "sofort", sofort_country="DE")
    control(demo, f"/sources/{source_id(order)}/authorize", outcome="chargeable", charge_outcome="failed")
    browser.get(demo["url"] + "orders/" + order["id"])
    wait_for_state(browser, "charge_pending")
    control(demo, "/clock/advance", seconds=str(4 * 24 * 3600))
    heading, message = wait_for_state(browser, "failed")
    assert heading == "Payment failed"
    assert "charge failed" in message


def test_paying_by_bank_in_the_demo_store_ends_confirmed(demo, browser):
    browser.get(demo["url"])
    browser.find_element(By.ID, "bank-course").click()  # iDEAL is the first choice
    wait_for(browser, (By.ID, "authorize"))
    assert "49.00" in browser.find_element(By.ID, "amount").text
    browser.find_element(By.ID, "authorize").click()
    heading, message = wait_for_state(browser, "confirmed")
    assert heading == "Payment confirmed"
    assert "Swift on the Server" in browser.find_element(By.ID, "items").text


def test_a_spanish_order_page_speaks_spanish_and_an_english_one_english(demo, browser):
    spanish = create_order(demo, "ideal", locale="es")
    browser.get(demo["url"] + "orders/" + spanish["id"])
    heading, message = wait_for_state(browser, "awaiting_payment")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    assert heading == "Pedido recibido"
    assert message == "Estamos esperando la confirmación de tu pago."
    assert "Artículo" in browser.find_element(By.ID, "items").text

    english = create_order(demo, "ideal")
    browser.get(demo["url"] + "orders/" + english["id"])
    heading, message = wait_for_state(browser, "awaiting_payment")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert heading == "Order received"
    assert message == "We are awaiting confirmation of your payment."



def test_ideal_on_a_payment_intent_through_the_banks_page_in_english_and_in_spanish(demo, browser):
    for locale, title, confirmed in [("en", "Order received", "Payment confirmed"), ("es", "Pedido recibido", "Pago confirmado")]:
        order = create_order(demo, "ideal", flow="payment_intents", locale=locale)
        assert order["payment_intent_status"] == "requires_action" and "/payment_intents/" in order["next_url"]
        browser.get(order["next_url"])
        wait_for(browser, (By.ID, "authorize"))
        assert "6.00" in browser.find_element(By.ID, "amount").text
        browser.find_element(By.ID, "authorize").click()
        # Back on the confirmation page (the return URL), which asks the service, never the URL's redirect_status.
        heading, message = wait_for_state(browser, "confirmed")
        assert browser.current_url.startswith(demo["url"] + "orders/" + order["id"])
        assert "redirect_status=succeeded" in browser.current_url
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == locale
        assert heading == confirmed, heading


def test_a_failed_ideal_payment_is_paid_again_with_bancontact_from_the_page(demo, browser):
    order = create_order(demo, "ideal", flow="payment_intents")
    browser.get(order["next_url"])
    wait_for(browser, (By.ID, "fail")).click()
    WebDriverWait(browser, 20).until(lambda b: b.find_element(By.ID, "pay-again").is_displayed())
    assert browser.find_element(By.ID, "heading").text == "Payment not completed"
    assert "pay again" in browser.find_element(By.ID, "message").text
    assert not browser.find_element(By.ID, "retry-block").is_displayed()
    browser.find_element(By.CSS_SELECTOR, "#pay-method option[value=bancontact]").click()
    browser.find_element(By.ID, "pay-again-button").click()
    wait_for(browser, (By.ID, "authorize")).click()
    heading, _ = wait_for_state(browser, "confirmed")
    assert heading == "Payment confirmed"
    status = requests.get(demo["url"] + "api/orders/" + order["id"], timeout=5).json()
    assert status["status"] == "paid" and status["payment_method"] == "bancontact"
    assert status["payment_intent"] == order["payment_intent"]
