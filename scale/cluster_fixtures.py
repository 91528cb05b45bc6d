"""Fixtures for the scale-out tests: a throwaway PostgreSQL server (initdb + postgres on a free loopback
port, as the `postgres` user when run as root), a real SMTP server (aiosmtpd) that records every message,
the Stripe emulator, and several `fulfill serve` processes on one database that a test can SIGKILL and
restart. Test modules import them (a conftest.py here would collide with compat/conftest.py)."""
import email
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest
import requests
from aiosmtpd.controller import Controller

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("FULFILL_BIN", os.path.join(ROOT, ".build", "debug", "fulfill"))
API_KEY = "sk_test_scale"
# The merchant backend's key for orders it prices itself (ORDER_API_KEY).
ORDER_KEY = "ok_scale_order_api_key_0123456789"
ORDER_AUTH = {"Authorization": f"Bearer {ORDER_KEY}"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Postgres:
    """A PostgreSQL server of its own; `psql` runs SQL against its database."""

    USER, PASSWORD, DATABASE = "fulfill", "scale-test-password", "fulfillment"

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            raise RuntimeError("PostgreSQL is not installed (scripts/test installs Debian's postgresql)")
        self.bin = os.path.dirname(bins[-1])
        self.folder = tempfile.mkdtemp(prefix="scale-pg-")
        as_root = os.geteuid() == 0
        self.prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        password_file = os.path.join(self.folder, "password")
        with open(password_file, "w") as f:
            f.write(self.PASSWORD)
        if as_root:
            shutil.chown(self.folder, "postgres", "postgres")
            shutil.chown(password_file, "postgres", "postgres")
        subprocess.run(self.prefix + [f"{self.bin}/initdb", "-D", f"{self.folder}/data", "-U", self.USER, "--pwfile",
                                      password_file, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                                      "--locale=C.UTF-8", "--no-sync"], check=True, capture_output=True)
        self.port = free_port()
        self._start_server()
        self.psql("CREATE DATABASE fulfillment", database="postgres")
        self.url = f"postgres://{self.USER}:{self.PASSWORD}@127.0.0.1:{self.port}/{self.DATABASE}?sslmode=disable"

    def _start_server(self):
        # Durable as in production (fsync on): these tests are about crashes.
        self.process = subprocess.Popen(
            self.prefix + [f"{self.bin}/postgres", "-D", f"{self.folder}/data", "-p", str(self.port), "-k", self.folder,
                           "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: subprocess.run([f"{self.bin}/pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)]).returncode == 0,
                   30, "PostgreSQL to start")

    def restart(self, down_seconds):
        """Stops the server at once (`pg_ctl stop -m immediate`: as a crash, every connection drops and the next
        start recovers from the WAL), keeps it down `down_seconds`, and starts it again on the same port."""
        subprocess.run(self.prefix + [f"{self.bin}/pg_ctl", "stop", "-D", f"{self.folder}/data", "-m", "immediate"],
                       check=True, capture_output=True)
        self.process.wait(timeout=30)
        time.sleep(down_seconds)
        self._start_server()

    def create_database(self, name):
        """A new, empty database on this server, as a DATABASE_URL."""
        self.psql(f"CREATE DATABASE {name}", database="postgres")
        return f"postgres://{self.USER}:{self.PASSWORD}@127.0.0.1:{self.port}/{name}?sslmode=disable"

    def psql(self, sql, database=None):
        """Runs SQL; returns the rows as lists of strings."""
        result = subprocess.run(
            [f"{self.bin}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.USER, "-d", database or self.DATABASE,
             "-v", "ON_ERROR_STOP=1", "-At", "-F", "\t", "-c", sql],
            env={**os.environ, "PGPASSWORD": self.PASSWORD}, capture_output=True, text=True)
        if result.returncode != 0:
            raise AssertionError(f"psql failed: {result.stderr}")
        return [line.split("\t") for line in result.stdout.splitlines() if line]

    def stop(self):
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


class Mailbox:
    """A real SMTP server (aiosmtpd) that keeps every message it accepts."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        mailbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message = email.message_from_bytes(envelope.original_content)
                with mailbox.lock:
                    mailbox.messages.append(message)
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def received(self):
        with self.lock:
            return list(self.messages)

    def stop(self):
        self.controller.stop()


class Emulator:
    def __init__(self, workdir, *extra):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(workdir, "emulator.log"), "w")
        self.process = subprocess.Popen(
            [BINARY, "emulator", "--port", str(self.port), "--webhook-retry-base", "1", "--log-level", "error", *extra],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(lambda: self._up(), 30, "the emulator")
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {API_KEY}"

    def _up(self):
        try:
            requests.get(self.url + "/", timeout=1)
            return True
        except requests.ConnectionError:
            assert self.process.poll() is None, "the emulator exited"
            return False

    def post(self, path, data=None):
        response = self.http.post(self.url + path, data=data or {}, timeout=30)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
        return response.json()

    def get(self, path, params=None):
        response = self.http.get(self.url + path, params=params, timeout=30)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
        return response.json()

    def list_all(self, path):
        items, after = [], None
        while True:
            page = self.get(path, {"limit": 100, **({"starting_after": after} if after else {})})
            items += page["data"]
            if not page["has_more"]:
                return items
            after = page["data"][-1]["id"]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


class Instance:
    """One `fulfill serve` process with its own port and webhook endpoint (and so its own signing secret)."""

    def __init__(self, name, workdir, environment):
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # A second of readiness drain on SIGTERM (the default is 5 s): the path is taken, the suite stays quick.
        self.environment = {**os.environ, "SHUTDOWN_DRAIN": "1s", **environment, "PORT": str(self.port), "PUBLIC_URL": self.url}
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.process = None
        self.kills = 0

    def start(self):
        log = open(self.log_path, "a")
        self.process = subprocess.Popen([BINARY, "serve"], env=self.environment, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_until(self.healthy, 60, f"{self.name} to answer /health")

    def healthy(self):
        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited: {open(self.log_path).read()[-3000:]}")
        try:
            return requests.get(self.url + "/health", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self):
        return open(self.log_path).read()

    def terminate(self, timeout=60):
        """SIGTERM, as a supervisor stops it; returns its exit status and the seconds it took to exit."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"{self.name} did not exit within {timeout} s of SIGTERM")
        return status, time.monotonic() - started

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.kills += 1



class Deployment:
    """Three instances on one database behind no load balancer: the emulator has one webhook endpoint per
    instance, so every event reaches every instance at about the same time."""

    def __init__(self, count=3, environment=None):
        self.workdir = tempfile.mkdtemp(prefix="scale-")
        self.postgres = Postgres()
        self.mailbox = Mailbox()
        self.emulator = Emulator(self.workdir)
        self.instances = []
        for index in range(count):
            instance = Instance(f"instance-{index + 1}", self.workdir, {
                "STRIPE_SECRET_KEY": API_KEY, "STRIPE_API_BASE": self.emulator.url, "DATABASE_URL": self.postgres.url,
                "EMAIL_URL": f"smtp://127.0.0.1:{self.mailbox.port}?tls=none", "EMAIL_FROM": "shop@scale.test", "LOG_LEVEL": "warning",
                "HOST": "127.0.0.1", "ORDER_API_KEY": ORDER_KEY, **(environment or {})})
            endpoint = self.emulator.post("/v1/webhook_endpoints", {"url": instance.url + "/webhook", "enabled_events[]": "*"})
            instance.environment["STRIPE_WEBHOOK_SECRET"] = endpoint["secret"]
            self.instances.append(instance)
        # Started together: they migrate one at a time under the advisory lock.
        threads = [threading.Thread(target=i.start) for i in self.instances]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for instance in self.instances:
            assert instance.healthy(), f"{instance.name} did not start"

    def fulfill(self, *arguments):
        """Runs an operator command of `fulfill` against the deployment's database."""
        result = subprocess.run([BINARY, *arguments, "--database-url", self.postgres.url], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"fulfill {' '.join(arguments)}: {result.stdout}{result.stderr}"
        return result.stdout

    def logs(self):
        return "\n".join(f"--- {i.name}\n{open(i.log_path).read()[-2000:]}" for i in self.instances)

    def stop(self):
        for instance in self.instances:
            instance.stop()
        self.emulator.stop()
        self.mailbox.stop()
        self.postgres.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


class RoundRobinProxy:
    """A load balancer as a shop would put before its instances: each request goes to the next instance in
    turn (no sticky sessions), with the client's address in X-Forwarded-For and the scheme in
    X-Forwarded-Proto. Answers pass through unchanged (redirects and cookies included). `served` lists the
    instance index of every request it forwarded."""

    def __init__(self, instances):
        import http.client
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        self.instances, self.served, self.lock, self.next = instances, [], threading.Lock(), 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def forward(self):
                with proxy.lock:
                    index = proxy.next % len(proxy.instances)
                    proxy.next += 1
                    proxy.served.append(index)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "x-forwarded-for", "x-forwarded-proto")}
                headers["X-Forwarded-For"] = self.client_address[0]
                headers["X-Forwarded-Proto"] = "http"
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.instances[index].port, timeout=30)
                try:
                    upstream.request(self.command, self.path, body=body or None, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                    self.send_response(answer.status)
                    for name, value in answer.getheaders():
                        if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("X-Served-By", str(index))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    self.send_error(502)
                finally:
                    upstream.close()

            do_GET = do_POST = forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def deployment():
    d = Deployment()
    yield d
    d.stop()
