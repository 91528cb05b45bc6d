"""Shops upgrade in place: a database written by a released version (checked in by `make_fixture.py`, as a
SQLite file and as a plain PostgreSQL dump) is upgraded by today's `fulfill migrate` (SQLite) or by `fulfill
serve` at start (PostgreSQL), and then every surface answers as the release did: each purchase's status
JSON and timeline, the events and their statuses, the access links (revoked stays revoked), order statuses,
stock, dispatches. Answers may gain fields, never lose or change one. Nothing goes out again: no email, no
notification. A new purchase on the upgraded database is then fulfilled as usual."""
import glob
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scale"))
import shop_history  # noqa: E402
from cluster_fixtures import Emulator, Instance, Postgres, wait_until  # noqa: E402

RELEASES = sorted(path for path in glob.glob(os.path.join(HERE, "fixtures", "*")) if os.path.isdir(path))
# Long enough for every worker to claim what it would claim: the event, email and dispatch workers poll
# within a second or two of starting, and wake at once on anything queued.
SILENCE_SECONDS = 6


def contained(old, new, path="$"):
    """Every field the release answered is there, with the same value; `new` may have more fields.
    Returns how many values were compared."""
    if isinstance(old, dict):
        assert isinstance(new, dict), f"{path}: was an object, is {new!r}"
        return sum(contained(value, new.get(key, _Missing(f"{path}.{key}")), f"{path}.{key}") for key, value in old.items())
    if isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), f"{path}: was {len(old)} items, is {new!r}"
        return sum(contained(a, b, f"{path}[{i}]") for i, (a, b) in enumerate(zip(old, new)))
    assert not isinstance(new, _Missing), f"{new.path}: missing (was {old!r})"
    assert new == old, f"{path}: was {old!r}, is {new!r}"
    return 1


class _Missing:
    def __init__(self, path):
        self.path = path


def upgraded_answers(release, kind, database_url, workdir):
    """Starts today's service on the upgraded database, lets its workers run, and asks every surface."""
    with open(os.path.join(release, f"answers-{kind}.json")) as f:
        before = json.load(f)
    emulator = Emulator(workdir)
    merchant = shop_history.MerchantEndpoint()
    emails = os.path.join(workdir, f"emails-{kind}")
    instance = Instance(f"upgraded-{kind}", workdir, shop_history.service_environment(emulator, database_url, emails, merchant))
    endpoint = emulator.post("/v1/webhook_endpoints", {"url": instance.url + "/webhook", "enabled_events[]": "*"})
    instance.environment["STRIPE_WEBHOOK_SECRET"] = endpoint["secret"]
    instance.start()
    try:
        time.sleep(SILENCE_SECONDS)
        sent_again = {"emails": shop_history.email_summary(emails) if os.path.isdir(emails) else [],
                      "notifications": merchant.count()}
        after = shop_history.answers(instance, before["ids"], database_url, sorted(before["access"]))
        fresh = new_purchase(emulator, instance)
        time.sleep(1)
        new_emails = shop_history.email_summary(emails)
    finally:
        instance.stop()
        emulator.stop()
        merchant.stop()
    return before, after, sent_again, fresh, new_emails


def new_purchase(emulator, instance):
    course = shop_history.price(emulator, "Course after the upgrade", 2900, {"fulfillment": "digital"})
    session_id = shop_history.session(emulator, instance, "newcomer@example.com", [(course, 1)])
    shop_history.complete(emulator, session_id, "paid")
    wait_until(lambda: shop_history.status_of(instance, f"/api/checkout/sessions/{session_id}") == "fulfilled", 60,
               "a purchase made after the upgrade to be fulfilled")
    return session_id


def check(before, after, sent_again, fresh, new_emails):
    assert sent_again == {"emails": [], "notifications": 0}, f"sent again after the upgrade: {sent_again}"
    compared = {}
    for surface in ("status", "timeline"):
        assert sorted(after[surface]) == sorted(before[surface])
        compared[surface] = sum(contained(before[surface][key], after[surface][key], f"{surface}.{key}") for key in before[surface])
    by_id = lambda answer: sorted(answer["body"]["data"], key=lambda event: event["id"])  # noqa: E731
    assert after["events"]["status"] == 200
    compared["events"] = contained(by_id(before["events"]), by_id(after["events"]), "events")
    compared["overview"] = contained(before["overview"], after["overview"], "overview")
    compared["anomalies"] = contained(before["anomalies"], after["anomalies"], "anomalies")
    assert after["access"] == before["access"], "access links answer as before (revoked stays revoked)"
    compared["access"] = len(before["access"])
    assert after["stock"] == before["stock"]
    compared["stock"] = len(before["stock"])
    assert after["dispatches"] == before["dispatches"]
    compared["dispatches"] = len(before["dispatches"])
    assert after["events_cli"] == before["events_cli"]
    compared["events_cli"] = len(before["events_cli"])
    assert new_emails == [["newcomer@example.com", "Your receipt"]], f"the new purchase's emails: {new_emails}"
    assert 403 in before["access"].values() and 200 in before["access"].values(), "the fixture holds revoked and live links"
    print(f"compared {sum(compared.values())} values: {compared}; purchases {len(before['ids'])}, "
          f"events {len(before['events']['body']['data'])}, emails before {len(before['emails'])}, "
          f"notifications before {before['notifications']}; sent again: 0 emails, 0 notifications; new purchase {fresh} fulfilled")
    return compared


def check_emails_listed(before, database_url):
    """The release's emails are listed by today's `fulfill emails list`, every one sent (plus the new purchase's
    receipt), none dead."""
    lines = shop_history.fulfill("emails", "list", "--limit", "500", "--database-url", database_url).splitlines()
    assert len(lines) == len(before["emails"]) + 1, lines
    assert all("  sent  " in line for line in lines), lines
    assert shop_history.fulfill("emails", "list", "--status", "dead", "--database-url", database_url).strip() == ""


def check_kinds(before, kinds):
    """Each purchase the release recorded keeps its row, with the kind of what its id names."""
    ids = before["ids"]
    for key, subject in ids.items():
        if key == "order_canceled":
            assert subject not in kinds, "an unpaid order has no ledger row"
        else:
            kind = "order" if key.startswith("order_") else "subscription" if key.startswith("subscription") else "checkout_session"
            assert kinds.get(subject) == kind, (key, kinds.get(subject))


@pytest.mark.parametrize("release", RELEASES, ids=os.path.basename)
def test_a_sqlite_shop_upgrades_with_fulfill_migrate(release):
    workdir = tempfile.mkdtemp(prefix="upgrade-sqlite-")
    try:
        path = os.path.join(workdir, "fulfillment.sqlite")
        shutil.copy(os.path.join(release, "fulfillment.sqlite"), path)
        shop_history.fulfill("migrate", "--database-url", f"sqlite:{path}")
        before, *rest = upgraded_answers(release, "sqlite", f"sqlite:{path}", workdir)
        check(before, *rest)
        check_emails_listed(before, f"sqlite:{path}")
        with sqlite3.connect(path) as database:
            kinds = dict(database.execute("SELECT subject_id, kind FROM purchases").fetchall())
        check_kinds(before, kinds)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.mark.parametrize("release", RELEASES, ids=os.path.basename)
def test_a_postgres_shop_upgrades_when_serve_starts(release):
    workdir = tempfile.mkdtemp(prefix="upgrade-postgres-")
    postgres = Postgres()
    try:
        result = subprocess.run(
            [f"{postgres.bin}/psql", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", postgres.USER, "-d", postgres.DATABASE,
             "-v", "ON_ERROR_STOP=1", "-q", "-f", os.path.join(release, "postgres.sql")],
            env={**os.environ, "PGPASSWORD": postgres.PASSWORD}, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        before, *rest = upgraded_answers(release, "postgres", postgres.url, workdir)
        check(before, *rest)
        check_emails_listed(before, postgres.url)
        check_kinds(before, dict(postgres.psql("SELECT subject_id, kind FROM purchases")))
    finally:
        postgres.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def test_every_release_fixture_is_complete():
    assert RELEASES, "no release fixtures"
    for release in RELEASES:
        for name in ("fulfillment.sqlite", "postgres.sql", "answers-sqlite.json", "answers-postgres.json"):
            assert os.path.getsize(os.path.join(release, name)) > 0, f"{release}/{name}"
