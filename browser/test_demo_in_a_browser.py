"""A person's path through the demo, in a real browser (headless Chromium from Debian): buy in the store,
pay on the emulator's hosted page, and find what was delivered on the landing page."""
import os

from demo_fixtures import browser, demo  # noqa: F401 (pytest fixtures)
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def wait_for(browser, locator, timeout=20):
    return WebDriverWait(browser, timeout).until(EC.presence_of_element_located(locator))


def test_buying_the_course_ends_on_a_landing_page_with_the_access_link(demo, browser):
    browser.get(demo["url"])
    browser.find_element(By.ID, "buy-course").click()
    # The emulator's hosted checkout page: pay with the card that succeeds (the default choice).
    wait_for(browser, (By.ID, "pay"))
    assert "€49.00" in browser.find_element(By.ID, "total").text
    browser.find_element(By.ID, "pay").click()
    heading = wait_for(browser, (By.ID, "heading"))
    WebDriverWait(browser, 20).until(lambda b: "order is complete" in b.find_element(By.ID, "heading").text)
    assert "/checkout/complete?session_id=cs_test_" in browser.current_url
    link = browser.find_element(By.CLASS_NAME, "access-link")
    assert "/access/" in link.get_attribute("href")
    link.click()
    WebDriverWait(browser, 10).until(lambda b: "Swift on the Server" in b.find_element(By.ID, "heading").text)
    browser.save_screenshot(os.path.join(demo["data"], "access.png"))


def test_a_membership_bought_through_checkout_is_managed_in_the_billing_portal(demo, browser):
    browser.get(demo["url"])
    assert "a month" in browser.find_element(By.ID, "buy-club").find_element(By.XPATH, "..").text
    browser.find_element(By.ID, "buy-club").click()
    wait_for(browser, (By.ID, "pay"))
    browser.find_element(By.ID, "pay").click()
    WebDriverWait(browser, 20).until(lambda b: "order is complete" in b.find_element(By.ID, "heading").text)
    link = browser.find_element(By.CLASS_NAME, "access-link")
    assert "/access/" in link.get_attribute("href")
    link.click()
    # The access page says the membership is active and when it renews, with the way to Stripe's billing portal.
    access = wait_for(browser, (By.ID, "access"))
    assert access.get_attribute("data-access") == "active" and "renews on" in access.text
    browser.find_element(By.ID, "manage").click()
    # The portal's page is replaced after each form: a wait looks again at what it finds.
    patient = {"ignored_exceptions": (NoSuchElementException, StaleElementReferenceException)}
    WebDriverWait(browser, 20, **patient).until(lambda b: "Your subscriptions" in b.find_element(By.TAG_NAME, "h1").text)
    browser.find_element(By.CLASS_NAME, "cancel-at-end").click()
    WebDriverWait(browser, 20, **patient).until(lambda b: "cancels at period end" in b.find_element(By.CLASS_NAME, "status").text)
    browser.find_element(By.ID, "return").click()
    # Back on the access page once the cancel's webhook is handled: still active, until the period's end.
    def ending(b):
        b.refresh()
        return b.find_element(By.ID, "access").get_attribute("data-access") == "ending"
    WebDriverWait(browser, 20, poll_frequency=0.5, **patient).until(ending)
    assert "until" in browser.find_element(By.ID, "access").text
    browser.save_screenshot(os.path.join(demo["data"], "membership.png"))


def test_buying_mugs_ships_them_to_the_address_typed_on_the_payment_page(demo, browser):
    browser.get(demo["url"])
    browser.find_element(By.ID, "buy-mug").click()
    wait_for(browser, (By.ID, "pay"))
    city = browser.find_element(By.NAME, "city")
    city.clear()
    city.send_keys("Lyon")
    browser.find_element(By.ID, "pay").click()
    WebDriverWait(browser, 20).until(lambda b: "order is complete" in b.find_element(By.ID, "heading").text)
    assert "1 shipping" in browser.find_element(By.ID, "delivered").text
    assert "Lyon" in browser.find_element(By.ID, "shipping").text
    browser.get(demo["url"])
    assert "2 in stock" in browser.find_element(By.CLASS_NAME, "stock").text


def test_a_declined_card_stays_on_the_payment_page_and_a_bank_debit_shows_processing(demo, browser):
    browser.get(demo["url"])
    browser.find_element(By.ID, "buy-stickers").click()
    wait_for(browser, (By.ID, "pay"))
    browser.find_element(By.CSS_SELECTOR, "input[value=declined]").click()
    browser.find_element(By.ID, "pay").click()
    assert "declined" in wait_for(browser, (By.ID, "error")).text
    browser.find_element(By.CSS_SELECTOR, "input[value=delayed_success]").click()
    quantity = browser.find_element(By.NAME, "quantity_0")
    quantity.clear()
    quantity.send_keys("4")
    browser.find_element(By.ID, "pay").click()
    WebDriverWait(browser, 20).until(lambda b: "Payment processing" in b.find_element(By.ID, "heading").text)
    assert "email you" in browser.find_element(By.ID, "message").text
