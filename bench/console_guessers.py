#!/usr/bin/env python3
"""Clients guessing the console password, as the attacker of issue 21 did: each has its own address (sent as
X-Forwarded-For, which the service trusts from 127.0.0.1 in the bench), takes the sign-in form once (its own
CSRF cookie makes the double-submit pass) and then posts wrong passwords one after another, each as soon as
the last was answered. Prints one line: guesses made, how they were answered, and the answers' median time.

usage: console_guessers.py SERVICE_URL CLIENTS SECONDS
"""
import http.client
import re
import statistics
import sys
import threading
import time
import urllib.parse

url, clients, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port
lock = threading.Lock()
answers, times = {}, []
deadline = time.monotonic() + seconds


def guess(index):
    address = f"198.51.{100 + index // 250}.{index % 250 + 1}"
    connection = http.client.HTTPConnection(host, port, timeout=60)
    connection.request("GET", "/admin/login", headers={"X-Forwarded-For": address})
    page = connection.getresponse()
    text = page.read().decode()
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', text).group(1)
    body = urllib.parse.urlencode({"csrf": csrf, "password": "not-the-password"})
    headers = {"X-Forwarded-For": address, "Cookie": f"fulfill_admin_login={csrf}",
               "Content-Type": "application/x-www-form-urlencoded"}
    count = 0
    while time.monotonic() < deadline:
        started = time.monotonic()
        connection.request("POST", "/admin/login", body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        with lock:
            answers[answer.status] = answers.get(answer.status, 0) + 1
            times.append(time.monotonic() - started)
        count += 1
        if answer.getheader("Connection", "").lower() == "close":
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=60)
    connection.close()


threads = [threading.Thread(target=guess, args=(i,)) for i in range(clients)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
total = sum(answers.values())
print(f"{clients} guessing clients, {seconds:.0f} s: {total} guesses; answered "
      + ", ".join(f"{status} x{count}" for status, count in sorted(answers.items()))
      + f"; median answer {statistics.median(times) * 1000:.0f} ms" if times else "no guesses")
