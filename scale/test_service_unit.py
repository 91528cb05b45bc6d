"""The systemd unit in deploy/: `systemd-analyze verify` accepts it (with ExecStart pointing at the binary under
test), and `fulfill serve` speaks its readiness protocol: `READY=1` on NOTIFY_SOCKET once /health/ready is 200."""
import os
import shutil
import socket
import subprocess
import tempfile

import pytest
import requests
from cluster_fixtures import API_KEY, BINARY, ROOT, Emulator, Instance

UNIT = os.path.join(ROOT, "deploy", "stripe-fulfillment.service")


def test_systemd_analyze_verify_accepts_the_unit():
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing (scripts/test installs Debian's systemd)"
    folder = tempfile.mkdtemp(prefix="unit-")
    try:
        unit = os.path.join(folder, "stripe-fulfillment.service")
        with open(UNIT) as source, open(unit, "w") as copy:
            text = source.read()
            assert "ExecStart=/usr/local/bin/fulfill serve" in text
            copy.write(text.replace("/usr/local/bin/fulfill", os.path.abspath(BINARY)))
        result = subprocess.run([analyze, "verify", unit], capture_output=True, text=True, timeout=60)
        problems = [line for line in (result.stdout + result.stderr).splitlines() if "stripe-fulfillment.service" in line]
        assert result.returncode == 0 and not problems, result.stdout + result.stderr
        for setting in ("Type=notify", "NoNewPrivileges=yes", "ProtectSystem=strict", "StateDirectory=stripe-fulfillment",
                        "Restart=on-failure", "TimeoutStopSec=30s", "SHUTDOWN_GRACE=20s"):
            assert setting in text, setting
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def notify_socket():
    folder = tempfile.mkdtemp(prefix="notify-")
    path = os.path.join(folder, "notify")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.settimeout(60)
    yield server, path, folder
    server.close()
    shutil.rmtree(folder, ignore_errors=True)


def test_serve_tells_systemd_it_is_ready_once_it_is(notify_socket):
    server, path, folder = notify_socket
    emulator = Emulator(folder)
    instance = Instance("notified", folder, {
        "STRIPE_SECRET_KEY": API_KEY, "STRIPE_API_BASE": emulator.url, "STRIPE_WEBHOOK_SECRET": "whsec_unit_test_0123456789",
        "DATABASE_URL": f"sqlite:{folder}/fulfillment.sqlite", "EMAIL_URL": f"folder:{folder}/emails", "HOST": "127.0.0.1",
        "NOTIFY_SOCKET": path, "RECONCILE_INTERVAL": "off"})
    try:
        instance.start()
        messages = []
        while not any("READY=1" in m for m in messages):
            messages.append(server.recv(4096).decode())
        assert requests.get(instance.url + "/health/ready", timeout=5).status_code == 200
        ready = next(m for m in messages if "READY=1" in m)
        assert ready.splitlines() == ["READY=1", "STATUS=serving"], messages
    finally:
        instance.stop()
        emulator.stop()
