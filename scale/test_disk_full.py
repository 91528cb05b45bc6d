"""Fault run: the SQLite volume fills up under the service. A small file system of its own (tmpfs, mounted by the
test; root only) holds the database; a filler file takes the rest of it while buyers pay. The intake must
answer 503 (Stripe retries), never 200 for an event it could not write durably, and once space returns it
carries on by itself: every event Stripe retries is stored and fulfilled once, nothing restarted by hand."""
import errno
import os
import sqlite3
import shutil
import subprocess
import tempfile
import time

import pytest
from cluster_fixtures import API_KEY, Emulator, Instance, Mailbox, wait_until
from shop import pay, price, receipts_by_session, session


@pytest.fixture
def small_volume():
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root (CI runs as root)")
    folder = tempfile.mkdtemp(prefix="disk-full-")
    volume = os.path.join(folder, "volume")
    os.mkdir(volume)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", volume], check=True)
    yield folder, volume
    subprocess.run(["umount", "-l", volume], check=False)
    shutil.rmtree(folder, ignore_errors=True)


def fill(volume, leave):
    """Writes a filler file until the file system refuses, then gives `leave` bytes back; returns its path."""
    path = os.path.join(volume, "filler")
    chunk = b"\0" * 65536
    with open(path, "wb") as filler:
        try:
            while True:
                filler.write(chunk)
                filler.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC, error
    os.truncate(path, max(0, os.path.getsize(path) - leave))
    return path


def attempts_for(emulator, event_ids):
    deliveries = emulator.get("/_emulator/deliveries")["data"]
    return [a for d in deliveries if d["event"] in event_ids for a in d["attempts"]]


def test_a_full_sqlite_volume_answers_503_and_recovers_by_itself(small_volume):
    folder, volume = small_volume
    mailbox = Mailbox()
    emulator = Emulator(folder)
    database = os.path.join(volume, "fulfillment.sqlite")
    instance = Instance("disk-full", folder, {
        "STRIPE_SECRET_KEY": API_KEY, "STRIPE_API_BASE": emulator.url, "DATABASE_URL": f"sqlite:{database}",
        "EMAIL_URL": f"smtp://127.0.0.1:{mailbox.port}?tls=none", "EMAIL_FROM": "shop@disk.test", "HOST": "127.0.0.1",
        "LOG_LEVEL": "warning", "RECONCILE_INTERVAL": "off"})
    endpoint = emulator.post("/v1/webhook_endpoints", {"url": instance.url + "/webhook", "enabled_events[]": "*"})
    instance.environment["STRIPE_WEBHOOK_SECRET"] = endpoint["secret"]
    try:
        instance.start()
        course = price(emulator, "Course", {"fulfillment": "digital"})
        before = [session(emulator, 8000 + i, [(course, 1)]) for i in range(3)]
        pool = [session(emulator, 8100 + i, [(course, 1)]) for i in range(80)]
        for s in before:
            pay(emulator, s)
        wait_until(lambda: len(receipts_by_session(mailbox, before)) == 3, 60, "the first receipts")

        # Stopped, the service leaves no WAL behind (its last connection checkpoints and removes it); the file
        # system is filled but for 512 KiB, and it is started again: its new WAL fills that, and buyers keep
        # paying until the intake has refused ten events it could not store.
        instance.stop()
        filler = fill(volume, leave=512 * 1024)
        instance.start()

        def completions(sessions):
            return {e["id"] for e in emulator.list_all("/v1/events")
                    if e["type"] == "checkout.session.completed" and e["data"]["object"]["id"] in sessions}

        during = []
        for s in pool:
            pay(emulator, s)
            during.append(s)
            time.sleep(0.05)
            if len(during) % 5 == 0 and sum(1 for a in attempts_for(emulator, completions(during)) if a["status"] == 503) >= 10:
                break
        completed = completions(during)
        wait_until(lambda: sum(1 for a in attempts_for(emulator, completed) if a["status"] == 503) >= 10, 60,
                   "the intake to refuse ten events it cannot store")
        assert instance.process.poll() is None, "the service stays up"

        os.remove(filler)
        space_back = time.monotonic()
        # Stripe (the emulator) retries each refused delivery on its backoff; no one touches the service.
        wait_until(lambda: len(receipts_by_session(mailbox, during)) == len(during), 120, "every receipt after space returned")
        recovered = time.monotonic() - space_back
        answers = [a["status"] for a in attempts_for(emulator, completed)]
        print(f"\nvolume full: {len(during)} sessions paid after the file system filled, {answers.count(503)} webhook answers 503; "
              f"all fulfilled {recovered:.1f} s after space returned")

        # Every event Stripe got a 200 for is stored and handled (the others than the completions too); each session
        # fulfilled once, one receipt each.
        def unhandled():
            with sqlite3.connect(database) as db:
                return db.execute("SELECT count(*) FROM inbox_events WHERE status = 'pending'").fetchone()[0]

        # An event whose failure could not be recorded while the disk was full waits for its claim's lease (60 s).
        wait_until(lambda: unhandled() == 0, 120, "every stored event handled")
        print(f"every stored event handled {time.monotonic() - space_back:.1f} s after space returned")
        with sqlite3.connect(database) as db:
            stored = {row[0] for row in db.execute("SELECT id FROM inbox_events")}
            parked = db.execute("SELECT type, status, last_error FROM inbox_events WHERE status IN ('dead', 'orphaned')").fetchall()
            fulfilled = db.execute(
                f"SELECT count(*) FROM purchases WHERE status = 'fulfilled' AND subject_id IN ({','.join('?' * (3 + len(during)))})",
                before + during).fetchone()[0]
        acknowledged = {d["event"] for d in emulator.get("/_emulator/deliveries")["data"]
                        if any(a["status"] == 200 for a in d["attempts"])}
        assert acknowledged <= stored, f"acknowledged and lost: {sorted(acknowledged - stored)[:5]}"
        assert completed <= acknowledged
        assert not parked and fulfilled == 3 + len(during), parked
        assert set(receipts_by_session(mailbox, before + during).values()) == {1}
        assert instance.process.poll() is None
    finally:
        instance.stop()
        emulator.stop()
        mailbox.stop()
