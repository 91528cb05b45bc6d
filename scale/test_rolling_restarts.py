"""SIGTERM under load, as a supervisor or a rolling deploy sends it: three `fulfill serve` processes on one
PostgreSQL database, each stopped and started again in turn while buyers pay, with Stripe slow enough that
every instance holds work when it is told to stop. Each must exit 0 within SHUTDOWN_GRACE, lose no
acknowledged event, send no email twice, take no stock twice, and give back what it holds so the others take
it at once rather than after the claims' lease of a minute."""
import re
import threading
import time

import pytest
from cluster_fixtures import Deployment, wait_until
from shop import fulfilled, pay, pay_in_background, price, receipts_by_session, session

GRACE_SECONDS = 8
# Exit within the grace, plus what a process needs to start exiting and be reaped on a loaded machine.
EXIT_MARGIN_SECONDS = 2


@pytest.fixture
def slow_stripe_deployment():
    d = Deployment(environment={"SHUTDOWN_GRACE": f"{GRACE_SECONDS}s", "SHUTDOWN_DRAIN": "1s", "LOG_LEVEL": "notice"})
    yield d
    d.stop()


def given_back(instance):
    """How many events, emails and dispatches the instance's log says it gave back when it stopped: those it had
    not started, and the events it was cancelled in at the end of the grace."""
    log = instance.log()
    return sum(int(n) for n in re.findall(r"gave back (\d+) claimed", log)) + log.count("event given back")


def unclaimed(postgres):
    """Events waiting with no claim on them (given back, or never claimed)."""
    return int(postgres.psql(
        "SELECT count(*) FROM inbox_events WHERE status = 'pending' AND (lease_until IS NULL OR lease_until <= now())")[0][0])


def pending(postgres):
    return int(postgres.psql("SELECT count(*) FROM inbox_events WHERE status = 'pending'")[0][0])


def test_ten_sigterms_across_three_instances_under_load(slow_stripe_deployment):
    deployment = slow_stripe_deployment
    emulator, postgres, mailbox = deployment.emulator, deployment.postgres, deployment.mailbox
    course = price(emulator, "Course", {"fulfillment": "digital"})
    mug = price(emulator, "Mug", {"fulfillment": "physical", "sku": "MUG"})
    deployment.fulfill("stock", "set", "MUG", "1000")
    sessions = [session(emulator, 5000 + i, [(course, 1), (mug, 1 + i % 2)]) for i in range(120)]
    burst = [session(emulator, 6000 + i, [(course, 1)]) for i in range(12)]
    # Every Stripe request takes 250 ms: an event (a few requests) is in flight for a second or more.
    emulator.post("/_emulator/faults", {"api_latency_ms": "250"})

    paying_done = pay_in_background(emulator, sessions, every=0.12)
    stops, starting, start_errors = [], {}, []

    def start(instance):
        try:
            instance.start()
        except Exception as error:  # noqa: BLE001 (reported below)
            start_errors.append(f"{instance.name}: {error}")

    # Round the three: each is stopped, then started again while the next is stopped (a rolling deploy's pace).
    for turn in range(10):
        instance = deployment.instances[turn % 3]
        if instance.name in starting:
            starting.pop(instance.name).join(timeout=120)
        time.sleep(0.8)
        status, seconds = instance.terminate()
        stops.append((instance.name, status, round(seconds, 2)))
        starting[instance.name] = threading.Thread(target=start, args=(instance,))
        starting[instance.name].start()
    for thread in starting.values():
        thread.join(timeout=120)
    assert not start_errors, start_errors
    wait_until(paying_done.is_set, 120, "every buyer to pay")

    # The last stop with Stripe slower than the grace: what the instance holds cannot finish, so it is
    # cancelled and given back, and the other two take it at once. It stays down until all is handled.
    emulator.post("/_emulator/faults", {"api_latency_ms": "10000"})
    for s in burst:
        pay(emulator, s)
    victim = deployment.instances[0]
    wait_until(lambda: int(postgres.psql(
        "SELECT count(*) FROM inbox_events WHERE status = 'pending' AND lease_until > now()")[0][0]) >= 6, 30,
        "the burst to be claimed")
    before = given_back(victim)
    status, seconds = victim.terminate()
    stops.append((victim.name, status, round(seconds, 2)))
    stopped_at = time.monotonic()
    emulator.post("/_emulator/faults", {"api_latency_ms": "0"})
    handed = given_back(victim) - before
    # What it gave back is claimed by the other two at once (told by NOTIFY), not when its lease would have ended.
    wait_until(lambda: unclaimed(postgres) == 0, 50, "the others to claim what the stopped instance gave back")
    claimed_again = time.monotonic() - stopped_at
    wait_until(lambda: pending(postgres) == 0, 50, "the others to handle what the stopped instance gave back")
    taken_over = time.monotonic() - stopped_at
    victim.start()

    everything = sessions + burst
    wait_until(lambda: fulfilled(postgres, everything) == len(everything), 120, "every session fulfilled")
    wait_until(lambda: len(receipts_by_session(mailbox, everything)) == len(everything), 60, "every receipt")
    print(f"\nstops (instance, exit status, seconds): {stops}")
    print(f"last stop: gave back {handed} claims; the other two had claimed them {claimed_again:.1f} s and handled everything "
          f"{taken_over:.1f} s after it exited (their own requests of 10 s in flight included)")

    assert all(status == 0 for _, status, _ in stops), stops
    assert all(seconds <= GRACE_SECONDS + EXIT_MARGIN_SECONDS for _, _, seconds in stops), stops
    assert handed > 0, "the last stop held work and gave it back"
    # Without giving back, its claims would wait out their lease (60 s) before another instance took them.
    assert claimed_again < 20 and taken_over < 40, f"claimed after {claimed_again:.1f} s, handled after {taken_over:.1f} s"

    # Nothing lost: every acknowledged event stored and handled; nothing parked.
    acknowledged = {d["event"] for d in emulator.get("/_emulator/deliveries")["data"]
                    if any(a["status"] is not None and 200 <= a["status"] < 300 for a in d["attempts"])}
    stored = {row[0] for row in postgres.psql("SELECT id FROM inbox_events")}
    assert acknowledged and acknowledged <= stored, f"lost: {sorted(acknowledged - stored)[:5]}"
    assert postgres.psql("SELECT count(*) FROM inbox_events WHERE status IN ('pending', 'dead', 'orphaned')") == [["0"]]
    # No duplicate effects: one receipt delivery per session (a graceful stop finishes or gives back before the
    # SMTP conversation, unlike a crash), each line once, stock taken once.
    receipts = receipts_by_session(mailbox, everything)
    assert set(receipts.values()) == {1}, {s: n for s, n in receipts.items() if n != 1}
    lines = postgres.psql("SELECT subject_id, count(*) FROM purchase_lines GROUP BY subject_id")
    assert all(count == ("2" if sid in sessions else "1") for sid, count in lines if sid in everything)
    mugs = sum(1 + i % 2 for i in range(120))
    assert postgres.psql("SELECT quantity FROM stock WHERE sku = 'MUG'") == [[str(1000 - mugs)]]
