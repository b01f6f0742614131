#!/usr/bin/env python3
"""A loopback SMTP sink for Steward's SMTP integration tests, built on aiosmtpd.

Usage:
    python3 scripts/smtp_sink.py --port P --maildir DIR [--auth user:pass [--require-auth]]
        [--fail-rcpt PATTERN=CODE ...] [--tls-cert CERT --tls-key KEY [--starttls-port P2] [--smtps-port P3]]

Every accepted message is written to DIR as <n>.eml (the raw DATA content, dot-unstuffed, CRLF kept) with its
envelope in <n>.json ({"mail_from": ..., "rcpt_tos": [...]}); both are written to a temporary file and renamed,
the JSON first, so a reader that sees <n>.eml also finds <n>.json. The sink announces PIPELINING, so clients may
send their commands in groups, as with real relays.

--fail-rcpt tempfail=451 makes RCPT TO fail with 451 for any address containing "tempfail" (repeatable).
--auth user:pass offers AUTH PLAIN and LOGIN (also without TLS, for loopback testing) and checks the credentials;
--require-auth also refuses MAIL before a successful AUTH.
--tls-cert/--tls-key with --starttls-port P2 add a listener that offers STARTTLS and requires it before MAIL, and
with --smtps-port P3 one that speaks TLS from the first byte (SMTPS). All listeners share the maildir.
A port of 0 picks a free port. Once everything listens, prints "starttls <port>" and "smtps <port>" for the extra
listeners, then "ready <port>" for the main one, on stdout.

Example (self-signed certificate for the TLS listeners):
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout key.pem -out cert.pem
    python3 scripts/smtp_sink.py --port 2525 --maildir /tmp/sink --auth steward:secret \
        --fail-rcpt tempfail=451 --fail-rcpt bounce=550 \
        --tls-cert cert.pem --tls-key key.pem --starttls-port 2526 --smtps-port 2527

Install: python3 -m venv /tmp/smtpvenv && /tmp/smtpvenv/bin/pip install aiosmtpd
"""

import argparse
import asyncio
import itertools
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class MaildirHandler:
    """Stores messages and applies the configured RCPT failures."""

    def __init__(self, maildir, fail_rcpt):
        self.maildir = maildir
        self.fail_rcpt = fail_rcpt
        self.counter = itertools.count(1)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        """Also announces PIPELINING (aiosmtpd reads pipelined commands in order), as real relays do."""
        session.host_name = hostname
        return responses[:-1] + ["250-PIPELINING"] + responses[-1:]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        for pattern, code in self.fail_rcpt:
            if pattern in address:
                text = "Try again later" if code.startswith("4") else "Mailbox unavailable"
                return f"{code} {text}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or b""
        envelope_json = json.dumps({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}).encode()
        number = self._store(content, envelope_json)
        return f"250 OK queued as {number}"

    def _store(self, content, envelope_json):
        """Writes <n>.json then <n>.eml atomically, picking an n no other sink process has taken."""
        while True:
            number = next(self.counter)
            json_path = os.path.join(self.maildir, f"{number}.json")
            temporary = os.path.join(self.maildir, f".{number}.{os.getpid()}.json.tmp")
            with open(temporary, "wb") as file:
                file.write(envelope_json)
            try:
                # link() fails when the name exists, so two sinks sharing a folder never overwrite each other.
                os.link(temporary, json_path)
            except FileExistsError:
                os.unlink(temporary)
                continue
            os.unlink(temporary)
            break
        temporary = os.path.join(self.maildir, f".{number}.{os.getpid()}.eml.tmp")
        with open(temporary, "wb") as file:
            file.write(content)
        os.rename(temporary, os.path.join(self.maildir, f"{number}.eml"))
        return number


def make_authenticator(expected_user, expected_password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = auth_data.login.decode() == expected_user and auth_data.password.decode() == expected_password
        # handled=False makes aiosmtpd answer 535 itself on failure.
        return AuthResult(success=ok, handled=False)

    return authenticator


def parse_arguments():
    parser = argparse.ArgumentParser(description="Loopback SMTP sink for integration tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--auth", help="user:pass; offers AUTH PLAIN/LOGIN and checks the credentials")
    parser.add_argument("--require-auth", action="store_true", help="refuse MAIL before a successful AUTH")
    parser.add_argument("--fail-rcpt", action="append", default=[], metavar="PATTERN=CODE")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--starttls-port", type=int, help="extra listener requiring STARTTLS")
    parser.add_argument("--smtps-port", type=int, help="extra listener speaking implicit TLS")
    arguments = parser.parse_args()
    fail_rcpt = []
    for item in arguments.fail_rcpt:
        pattern, separator, code = item.rpartition("=")
        if not separator or not pattern or not (len(code) == 3 and code.isdigit() and code[0] in "45"):
            parser.error(f"--fail-rcpt expects PATTERN=CODE with a 4xx or 5xx code, got {item!r}")
        fail_rcpt.append((pattern, code))
    arguments.fail_rcpt = fail_rcpt
    if bool(arguments.tls_cert) != bool(arguments.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    has_tls_listener = arguments.starttls_port is not None or arguments.smtps_port is not None
    if has_tls_listener != bool(arguments.tls_cert):
        parser.error("--tls-cert/--tls-key and --starttls-port/--smtps-port go together")
    if arguments.require_auth and not arguments.auth:
        parser.error("--require-auth needs --auth")
    return arguments


async def main():
    arguments = parse_arguments()
    os.makedirs(arguments.maildir, exist_ok=True)
    handler = MaildirHandler(arguments.maildir, arguments.fail_rcpt)

    tls_context = None
    if arguments.tls_cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(arguments.tls_cert, arguments.tls_key)

    smtp_options = {"hostname": "sink.localhost", "auth_require_tls": False, "enable_SMTPUTF8": True}
    if arguments.auth:
        user, separator, password = arguments.auth.partition(":")
        if not separator:
            sys.exit("--auth expects user:pass")
        smtp_options["authenticator"] = make_authenticator(user, password)
        smtp_options["auth_required"] = arguments.require_auth

    loop = asyncio.get_running_loop()

    async def listen(port, **extra):
        ssl_context = extra.pop("ssl", None)
        options = {**smtp_options, **extra}
        server = await loop.create_server(
            lambda: SMTP(handler, loop=loop, **options), host=arguments.host, port=port, ssl=ssl_context
        )
        return server, server.sockets[0].getsockname()[1]

    servers = []
    announcements = []
    if arguments.starttls_port is not None:
        server, port = await listen(arguments.starttls_port, tls_context=tls_context, require_starttls=True)
        servers.append(server)
        announcements.append(f"starttls {port}")
    if arguments.smtps_port is not None:
        server, port = await listen(arguments.smtps_port, ssl=tls_context)
        servers.append(server)
        announcements.append(f"smtps {port}")
    server, port = await listen(arguments.port)
    servers.append(server)
    announcements.append(f"ready {port}")
    print("\n".join(announcements), flush=True)

    stop = asyncio.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    await stop.wait()
    for server in servers:
        server.close()
        await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
