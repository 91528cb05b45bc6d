"""The operator console behind a round-robin load balancer: three `fulfill serve` instances on one PostgreSQL
database, a proxy started here that sends each request to the next instance. A session lives in the
database, so one sign-in holds on every instance and across a restart of all three, and one sign-out ends it
everywhere."""
import re

import pytest
import requests
from cluster_fixtures import Deployment, RoundRobinProxy

PASSWORD = "console-across-instances"


@pytest.fixture(scope="module")
def balanced():
    deployment = Deployment(environment={"ADMIN_PASSWORD": PASSWORD, "TRUSTED_PROXIES": "127.0.0.1"})
    proxy = RoundRobinProxy(deployment.instances)
    yield deployment, proxy
    proxy.stop()
    deployment.stop()


def csrf_of(page):
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert match, f"no form on the page ({page.status_code}): {page.text[:300]}"
    return match.group(1)


def signed_in(operator, proxy, count):
    """Asks for the overview `count` times through the proxy; returns the instances that answered."""
    served = []
    for _ in range(count):
        page = operator.get(proxy.url + "/admin", allow_redirects=False, timeout=10)
        assert page.status_code == 200 and 'id="heading"' in page.text, f"signed out on instance {page.headers.get('X-Served-By')}: {page.status_code}"
        served.append(page.headers["X-Served-By"])
    return set(served)


def test_one_sign_in_holds_on_every_instance_and_across_restarts_and_one_sign_out_ends_it(balanced):
    deployment, proxy = balanced
    operator = requests.Session()
    login = operator.get(proxy.url + "/admin/login", timeout=10)
    answer = operator.post(proxy.url + "/admin/login", data={"csrf": csrf_of(login), "password": PASSWORD},
                           allow_redirects=False, timeout=30)
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin", answer.text[:300]
    cookie = operator.cookies.get("fulfill_admin")
    assert cookie and len(cookie) == 64
    assert signed_in(operator, proxy, 50) == {"0", "1", "2"}, "the 50 requests reached all three instances"
    # The database holds the session's hash, never the id the browser holds.
    hashes = [row[0] for row in deployment.postgres.psql("SELECT id_hash FROM console_sessions")]
    assert len(hashes) == 1 and hashes[0] != cookie

    for instance in deployment.instances:
        instance.stop()
    for instance in deployment.instances:
        instance.start()
    assert signed_in(operator, proxy, 50) == {"0", "1", "2"}, "still signed in after every instance restarted"

    overview = operator.get(proxy.url + "/admin", timeout=10)
    out = operator.post(proxy.url + "/admin/logout", data={"csrf": csrf_of(overview)}, allow_redirects=False, timeout=10)
    assert out.status_code == 302
    for instance in deployment.instances:
        page = requests.get(instance.url + "/admin", cookies={"fulfill_admin": cookie}, allow_redirects=False, timeout=10)
        assert page.status_code == 302 and page.headers["Location"] == "/admin/login", f"{instance.name} still signed in"
    assert deployment.postgres.psql("SELECT count(*) FROM console_sessions")[0][0] == "0"
    audit = [row[0] for row in deployment.postgres.psql("SELECT action FROM operator_actions ORDER BY id")]
    assert audit == ["sign-in", "sign-out"], audit


def test_guesses_through_the_proxy_are_limited_per_forwarded_client(balanced):
    deployment, proxy = balanced
    instance = deployment.instances[0]
    guesser = requests.Session()
    statuses = []
    for _ in range(7):
        login = guesser.get(instance.url + "/admin/login", headers={"X-Forwarded-For": "198.51.100.99"}, timeout=10)
        answer = guesser.post(instance.url + "/admin/login", data={"csrf": csrf_of(login), "password": "wrong-guess"},
                              headers={"X-Forwarded-For": "198.51.100.99"}, allow_redirects=False, timeout=30)
        statuses.append(answer.status_code)
    assert statuses == [401] * 5 + [429] * 2, statuses
    assert int(answer.headers["Retry-After"]) > 200
    # Another customer behind the same proxy is not locked out.
    login = guesser.get(instance.url + "/admin/login", headers={"X-Forwarded-For": "198.51.100.100"}, timeout=10)
    answer = guesser.post(instance.url + "/admin/login", data={"csrf": csrf_of(login), "password": "wrong-guess"},
                          headers={"X-Forwarded-For": "198.51.100.100"}, allow_redirects=False, timeout=30)
    assert answer.status_code == 401
    rows = deployment.postgres.psql("SELECT actor, action FROM operator_actions WHERE action = 'locked out'")
    assert rows == [["198.51.100.99", "locked out"]], rows
