"""An SMTP server for the SMTP transport's tests (aiosmtpd): plain, STARTTLS or implicit TLS, with or without
AUTH, writing each message to a Maildir and each AUTH attempt to a log. Runs until killed.

    smtp_test_server.py PORT MAILDIR [--starttls CERT KEY] [--tls CERT KEY] [--auth USER PASSWORD] [--exclude MECH]
"""
import argparse
import asyncio
import socket
import ssl
import time

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("maildir")
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth", nargs=2, metavar=("USER", "PASSWORD"))
    parser.add_argument("--exclude", action="append", default=[], help="an AUTH mechanism not to offer (PLAIN, LOGIN)")
    args = parser.parse_args()

    def context(pair):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*pair)
        return ctx

    # Beside the Maildir (which Mailbox creates, only if it does not exist yet).
    attempts = args.maildir + ".auth.log"

    def authenticator(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and args.auth is not None and \
            (data.login.decode(), data.password.decode()) == tuple(args.auth)
        with open(attempts, "a") as log:
            log.write(f"{mechanism} {'ok' if ok else 'refused'}\n")
        return AuthResult(success=ok, handled=False)

    kwargs = {}
    if args.starttls:
        kwargs.update(tls_context=context(args.starttls), require_starttls=True)
    if args.auth:
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(args.starttls or args.tls),
                      auth_exclude_mechanism=args.exclude)
    controller = Controller(
        Mailbox(args.maildir), hostname="127.0.0.1", port=args.port,
        ssl_context=context(args.tls) if args.tls else None, server_kwargs=kwargs)
    if args.tls:
        # The controller's readiness probe would use the server's own context as a client's: probe over TLS
        # without checking the (self-signed) certificate instead.
        def trigger():
            client = ssl.create_default_context()
            client.check_hostname = False
            client.verify_mode = ssl.CERT_NONE
            with socket.create_connection(("127.0.0.1", args.port), 2) as raw, client.wrap_socket(raw) as tls:
                tls.recv(1024)
        controller._trigger_server = trigger
    controller.start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
