"""Fixtures for the browser tests: the demo (emulator + service + store in one process, started per test
module) and headless Chromium from Debian. Test modules import them (a conftest.py here would collide with
compat/conftest.py, whose helpers the compat tests import by module name)."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo():
    yield from running_demo()


# The console's password in the tests that open it.
ADMIN_PASSWORD = "console-test-password-42"


@pytest.fixture(scope="module")
def console_demo():
    yield from running_demo("--admin-password", ADMIN_PASSWORD)


def running_demo(*extra):
    binary = os.environ.get("FULFILL_BIN", os.path.join(ROOT, ".build", "debug", "fulfill"))
    port, emulator_port = free_port(), free_port()
    data = tempfile.mkdtemp(prefix="demo-")
    process = subprocess.Popen(
        [binary, "demo", "--port", str(port), "--emulator-port", str(emulator_port), "--data", data, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            if process.poll() is not None:
                raise RuntimeError("demo exited: " + process.stdout.read())
        time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("the demo store did not start")
    yield {"url": url, "data": data, "emulator": f"http://127.0.0.1:{emulator_port}"}
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,1000"):
        options.add_argument(argument)
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
