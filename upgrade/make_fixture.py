"""Writes a shop's database with the `fulfill` binary given (a released version), for the upgrade tests:

    FULFILL_BIN=/path/to/released/fulfill .venv/bin/python upgrade/make_fixture.py upgrade/fixtures/NAME

plays `shop_history.play` once on SQLite and once on PostgreSQL, and writes into the folder
- `fulfillment.sqlite`: the SQLite database (one file, vacuumed);
- `postgres.sql`: a plain SQL dump of the PostgreSQL database (`pg_dump`, no owners or privileges);
- `answers-sqlite.json`, `answers-postgres.json`: what every surface answered about that history, with the
  emails the shop sent and the notifications the merchant received.
Run it once per release whose schema changed, before the next schema change; the result is checked in."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scale"))
import shop_history  # noqa: E402
from cluster_fixtures import Emulator, Instance, Postgres  # noqa: E402


def record(folder, kind, database_url, workdir):
    emulator = Emulator(workdir, "--settlement-seconds", "3600")
    merchant = shop_history.MerchantEndpoint()
    emails = os.path.join(workdir, f"emails-{kind}")
    instance = Instance(f"release-{kind}", workdir, shop_history.service_environment(emulator, database_url, emails, merchant))
    endpoint = emulator.post("/v1/webhook_endpoints", {"url": instance.url + "/webhook", "enabled_events[]": "*"})
    instance.environment["STRIPE_WEBHOOK_SECRET"] = endpoint["secret"]
    instance.start()
    try:
        ids = shop_history.play(emulator, instance)
        tokens = shop_history.access_tokens(emails)
        answers = shop_history.answers(instance, ids, database_url, tokens)
        answers["emails"] = shop_history.email_summary(emails)
        answers["notifications"] = merchant.count()
        answers["binary"] = subprocess.run(["git", "-C", os.path.dirname(HERE), "rev-parse", "--short", "HEAD"],
                                           capture_output=True, text=True).stdout.strip()
    finally:
        instance.stop()
        emulator.stop()
        merchant.stop()
    with open(os.path.join(folder, f"answers-{kind}.json"), "w") as f:
        json.dump(answers, f, indent=1, sort_keys=True)
        f.write("\n")
    return answers


def main():
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="upgrade-fixture-")
    try:
        path = os.path.join(workdir, "fulfillment.sqlite")
        answers = record(folder, "sqlite", f"sqlite:{path}", workdir)
        target = os.path.join(folder, "fulfillment.sqlite")
        if os.path.exists(target):
            os.remove(target)
        with sqlite3.connect(path) as database:
            database.execute("VACUUM INTO ?", (target,))
        print(f"sqlite: {len(answers['events']['body']['data'])} events, {len(answers['emails'])} emails, "
              f"{answers['notifications']} notifications")

        postgres = Postgres()
        try:
            answers = record(folder, "postgres", postgres.url, workdir)
            dump = subprocess.run(
                [f"{postgres.bin}/pg_dump", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", postgres.USER,
                 "--no-owner", "--no-privileges", "--format=plain", postgres.DATABASE],
                env={**os.environ, "PGPASSWORD": postgres.PASSWORD}, capture_output=True, text=True, check=True).stdout
            # Lines that only a newer psql understands (\restrict, PostgreSQL 17.6+) are dropped: the dump must
            # load with any supported psql.
            dump = "\n".join(line for line in dump.splitlines() if not line.startswith(("\\restrict", "\\unrestrict"))) + "\n"
            with open(os.path.join(folder, "postgres.sql"), "w") as f:
                f.write(dump)
            print(f"postgres: {len(answers['events']['body']['data'])} events, {len(answers['emails'])} emails, "
                  f"{answers['notifications']} notifications")
        finally:
            postgres.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
