"""`fulfill serve`'s settings, read through swift-configuration: flags, then the environment, then a JSON config
file; `--print-config` shows the effective configuration without a single secret; a malformed setting stops
the service at start, naming the setting."""
import json
import os
import subprocess
import tempfile

import pytest
from cluster_fixtures import BINARY

SECRETS = {
    "STRIPE_SECRET_KEY": "sk_live_s3cret_key_value_0001",
    "STRIPE_WEBHOOK_SECRET": "whsec_s3cret_webhook_value_0002",
    "MERCHANT_WEBHOOK_SECRET": "whsec_s3cret_merchant_value_0003",
    "ORDER_API_KEY": "ok_s3cret_order_key_value_0004",
    "METRICS_TOKEN": "mt_s3cret_metrics_token_0005",
}


def serve(environment, *arguments):
    return subprocess.run([BINARY, "serve", *arguments], env={"PATH": os.environ["PATH"], **environment},
                          capture_output=True, text=True, timeout=60)


def test_print_config_with_every_secret_set_prints_none_of_them():
    environment = {**SECRETS, "MERCHANT_WEBHOOK_URL": "https://merchant.example/hooks",
                   "DATABASE_URL": "postgres://shop:db_s3cret_password@db.example/orders",
                   "EMAIL_URL": "smtp://mailer:mail_s3cret_password@mail.example"}
    result = serve(environment, "--print-config")
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    for value in [*SECRETS.values(), "db_s3cret_password", "mail_s3cret_password"]:
        assert value not in output, f"{value} was printed"
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert lines["STRIPE_SECRET_KEY"] == "<set, redacted>" and lines["ORDER_API_KEY"] == "<set, redacted>"
    assert lines["DATABASE_URL"] == "postgres://shop:***@db.example/orders"
    assert lines["EMAIL_URL"] == "smtp://mailer:***@mail.example:587"
    assert lines["MERCHANT_WEBHOOK_URL"] == "https://merchant.example/hooks"


@pytest.mark.parametrize("name,value", [
    ("PORT", "eighty"), ("DEFAULT_LOCALE", "fr"), ("EMAIL_URL", "smtp://mail.example?tls=maybe"),
    ("WORKER_CONCURRENCY", "0"), ("DATABASE_URL", "mysql://x"), ("ORDER_API_KEY", "short"),
    ("MERCHANT_WEBHOOK_URL", "ftp://merchant.example"), ("RETENTION", "forever"),
])
def test_a_malformed_setting_fails_at_start_with_its_name(name, value):
    result = serve({"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x",
                    "MERCHANT_WEBHOOK_SECRET": "whsec_merchant_secret_0001", name: value}, "--print-config")
    assert result.returncode != 0
    assert name in result.stderr, result.stderr


def test_flags_then_the_environment_then_the_config_file():
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump({"port": 8088, "host": "0.0.0.0", "default_locale": "es", "stripe_secret_key": SECRETS["STRIPE_SECRET_KEY"],
                   "receipts": "off"}, file)
    try:
        result = serve({"STRIPE_WEBHOOK_SECRET": "whsec_x", "HOST": "10.0.0.1", "CONFIG_FILE": file.name},
                       "--print-config", "--receipts", "on")
        assert result.returncode == 0, result.stderr
        lines = dict(line.split("=", 1) for line in result.stdout.splitlines())
        assert lines["PORT"] == "8088", "from the file"
        assert lines["HOST"] == "10.0.0.1", "the environment over the file"
        assert lines["RECEIPTS"] == "on", "the flag over the file"
        assert lines["DEFAULT_LOCALE"] == "es" and lines["STRIPE_SECRET_KEY"] == "<set, redacted>"
        assert SECRETS["STRIPE_SECRET_KEY"] not in result.stdout
    finally:
        os.unlink(file.name)
