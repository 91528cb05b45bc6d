"""The operator console in a real browser, against the demo started with ADMIN_PASSWORD: sign-in, a dead event
found, replayed and shown processed, a POST without the CSRF token refused, a wrong password refused and
recorded, and after sign-out the pages send the browser back to the sign-in page."""
import requests
from demo_fixtures import ADMIN_PASSWORD, browser, console_demo  # noqa: F401 (pytest fixtures)
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

AUTH = {"Authorization": "Bearer sk_test_demo"}


def sign_in(browser, demo, password=ADMIN_PASSWORD):
    """Signs in and waits until the next page has replaced the sign-in form (never reads the old page)."""
    browser.get(demo["url"] + "admin/login")
    form = browser.find_element(By.ID, "sign-in")
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "submit").click()
    WebDriverWait(browser, 20).until(replaced(form))


def replaced(element):
    """A wait condition: true once `element` no longer belongs to the page. Selenium's `staleness_of` expects a
    stale-element error, but Chromium may answer a check on a node of a page being replaced with a generic one
    ("Node with given id does not belong to the document"), which failed a CI run: both mean the page changed."""
    def check(_):
        try:
            element.is_enabled()
            return False
        except WebDriverException:
            return True
    return check


def text_of(browser, element_id):
    """The element's text, or "" while the page is still being replaced."""
    try:
        return browser.find_element(By.ID, element_id).text
    except WebDriverException:
        return ""


def audit_actions(browser, demo):
    """The audit log's rows, as the overview page lists them."""
    browser.get(demo["url"] + "admin")
    return [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#audit .action")]


def wait_for_overview(browser):
    WebDriverWait(browser, 20).until(lambda b: text_of(b, "heading") == "Overview")


def dead_completion(demo):
    """A paid session whose completion event is parked dead: Stripe refuses the service's one look at it (400)."""
    emulator = demo["emulator"]
    product = requests.post(emulator + "/v1/products", data={"name": "Console course", "metadata[fulfillment]": "digital"},
                            headers=AUTH, timeout=10).json()
    price = requests.post(emulator + "/v1/prices", data={"product": product["id"], "currency": "eur", "unit_amount": 900},
                          headers=AUTH, timeout=10).json()
    session = requests.post(emulator + "/v1/checkout/sessions", headers=AUTH, timeout=10, data={
        "mode": "payment", "success_url": demo["url"] + "checkout/complete?session_id={CHECKOUT_SESSION_ID}",
        "line_items[0][price]": price["id"], "line_items[0][quantity]": "1", "customer_email": "ops@example.com"}).json()
    requests.post(emulator + "/_emulator/faults", data={"api_error_count": "1", "api_error_status": "400"}, timeout=10)
    requests.post(emulator + f"/_emulator/checkout/sessions/{session['id']}/complete", data={"outcome": "paid"}, timeout=10)
    return session["id"]


def test_the_anomalies_page_opens_signed_in(console_demo, browser):
    sign_in(browser, console_demo)
    WebDriverWait(browser, 20).until(lambda b: b.current_url.endswith("/admin"))
    browser.get(console_demo["url"] + "admin/anomalies")
    assert browser.find_element(By.ID, "heading").text == "Anomalies"
    assert browser.find_element(By.ID, "none").text == "None."


def test_a_wrong_password_is_refused_and_recorded_then_sign_in_works(console_demo, browser):
    sign_in(browser, console_demo, "not-the-password")
    WebDriverWait(browser, 20).until(lambda b: text_of(b, "error") == "Wrong password.")
    sign_in(browser, console_demo)
    wait_for_overview(browser)
    audit = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "#audit .action")]
    assert any("sign-in refused" in row and "wrong password" in row for row in audit), audit
    assert any("sign-in" in row and "from" in row for row in audit), audit


def test_a_dead_event_is_found_replayed_and_shown_processed(console_demo, browser):
    session_id = dead_completion(console_demo)
    sign_in(browser, console_demo)
    def dead_row(b):
        b.get(console_demo["url"] + "admin/events?status=dead")
        return [r for r in b.find_elements(By.CSS_SELECTOR, "#events .event") if session_id in r.text]
    WebDriverWait(browser, 30).until(lambda b: dead_row(b))
    row = dead_row(browser)[0]
    event_id = row.get_attribute("data-event")
    assert "checkout.session.completed" in row.text
    button = row.find_element(By.CSS_SELECTOR, "button.replay")
    button.click()
    # The replay's POST answers with a new page: until then the click may not have been sent at all.
    WebDriverWait(browser, 20).until(replaced(button), "the replay form was not submitted")
    seen = []
    def status(b):
        b.get(console_demo["url"] + f"admin/events?object={session_id}")
        event = b.find_element(By.CSS_SELECTOR, f'#events .event[data-event="{event_id}"]')
        seen.append(event.text)
        return event.get_attribute("data-status")
    try:
        WebDriverWait(browser, 30).until(lambda b: status(b) == "processed")
    except TimeoutException:
        # Say what the console showed last (status, attempts, last error), and what the audit recorded.
        raise AssertionError(f"not processed 30 s after the replay; last seen: {seen[-1:]}; "
                             f"audit: {audit_actions(browser, console_demo)}")
    audit = audit_actions(browser, console_demo)
    assert any("replay event" in r and event_id in r for r in audit), audit


def test_a_post_without_the_csrf_token_is_refused(console_demo, browser):
    sign_in(browser, console_demo)
    wait_for_overview(browser)
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    refused = requests.post(console_demo["url"] + "admin/events/replay", data={"id": "evt_whatever"}, cookies=cookies,
                            allow_redirects=False, timeout=10)
    assert refused.status_code == 403
    forged = requests.post(console_demo["url"] + "admin/events/replay", data={"id": "evt_whatever", "csrf": "0" * 64},
                           cookies=cookies, allow_redirects=False, timeout=10)
    assert forged.status_code == 403


def test_after_sign_out_the_pages_redirect_to_sign_in(console_demo, browser):
    sign_in(browser, console_demo)
    WebDriverWait(browser, 20).until(lambda b: b.current_url.endswith("/admin"))
    browser.get(console_demo["url"] + "admin")
    wait_for_overview(browser)
    browser.find_element(By.ID, "sign-out").click()
    WebDriverWait(browser, 10).until(lambda b: b.current_url.endswith("/admin/login"))
    for page in ("admin", "admin/events?status=dead", "admin/anomalies", "admin/timeline/cs_test_x"):
        browser.get(console_demo["url"] + page)
        assert browser.current_url.endswith("/admin/login"), page
    assert requests.get(console_demo["url"] + "admin", allow_redirects=False, timeout=10).status_code == 302


def test_a_sessions_timeline_lists_its_webhooks_the_fulfilment_and_the_receipt(console_demo, browser):
    emulator, url = console_demo["emulator"], console_demo["url"]
    product = requests.post(emulator + "/v1/products", data={"name": "Timeline course", "metadata[fulfillment]": "digital"},
                            headers=AUTH, timeout=10).json()
    price = requests.post(emulator + "/v1/prices", data={"product": product["id"], "currency": "eur", "unit_amount": 700},
                          headers=AUTH, timeout=10).json()
    session = requests.post(emulator + "/v1/checkout/sessions", headers=AUTH, timeout=10, data={
        "mode": "payment", "success_url": url + "checkout/complete?session_id={CHECKOUT_SESSION_ID}",
        "line_items[0][price]": price["id"], "line_items[0][quantity]": "1", "customer_email": "timeline@example.com"}).json()
    requests.post(emulator + f"/_emulator/checkout/sessions/{session['id']}/complete", data={"outcome": "paid"}, timeout=10)
    sign_in(browser, console_demo)
    WebDriverWait(browser, 20).until(lambda b: b.current_url.endswith("/admin"))

    def rows(b):
        b.get(url + f"admin/timeline/{session['id']}")
        return [(r.get_attribute("data-kind"), r.text) for r in b.find_elements(By.CSS_SELECTOR, "#timeline .entry")]
    def complete(b):
        found = rows(b)
        return any(k == "email" and "sent" in t for k, t in found) and any(k == "ledger" and "fulfilled" in t for k, t in found)
    WebDriverWait(browser, 30).until(complete)
    entries = rows(browser)
    assert any(k == "webhook" and "checkout.session.completed" in t and "processed" in t for k, t in entries), entries
    assert any(k == "ledger" and "fulfilled" in t and "digital" in t and "access_granted" in t for k, t in entries), entries
    assert any(k == "email" and "receipt:" + session["id"] in t and "sent" in t for k, t in entries), entries
    kinds = [k for k, _ in entries]
    assert kinds.index("webhook") < kinds.index("email"), "in time order"
