#!/usr/bin/env python3
"""A real SMTP server for the e-mail tests: aiosmtpd on 127.0.0.1:PORT, every message
it accepts written raw (as received, headers and MIME body) to DIR/NNNN.eml, then read
back by Python's own MIME parser into DIR/NNNN.json: envelope recipients, From, To, Cc,
Reply-To, Message-ID, the decoded Subject, the text body and each attachment (file name,
media type, base64 bytes). Tests read the JSON, so the parsing is not ours.

    target/validators-venv/bin/python scripts/smtp-sink.py --port 2525 --dir /tmp/mails
    … --tls starttls|implicit --cert cert.pem --key key.pem     # STARTTLS required, or SMTPS

Prints "ready PORT" on stdout once it accepts connections, then serves until killed.
Each file appears whole (written aside, then renamed), the JSON last, so a reader that
waits for NNNN.json never sees half a message. Installed with aiosmtpd by scripts/setup-validators.
"""

import argparse
import base64
import email
import email.policy
import itertools
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            n = next(self.counter)
        final = os.path.join(self.directory, f"{n:04d}.eml")
        partial = final + ".part"
        with open(partial, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.replace(partial, final)
        summary = parse(envelope)
        summary_path = os.path.join(self.directory, f"{n:04d}.json")
        with open(summary_path + ".part", "w") as f:
            json.dump(summary, f, ensure_ascii=False, indent=1)
        os.replace(summary_path + ".part", summary_path)
        return "250 Message accepted for delivery"


def parse(envelope):
    raw = envelope.original_content or envelope.content
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",))
    attachments = [
        {
            "filename": part.get_filename(),
            "content_type": part.get_content_type(),
            "data": base64.b64encode(part.get_payload(decode=True)).decode("ascii"),
        }
        for part in msg.iter_attachments()
    ]
    header = lambda name: str(msg[name]) if msg[name] is not None else None  # noqa: E731
    return {
        # The envelope recipients, which a Bcc would hide from the headers.
        "rcpt_tos": list(envelope.rcpt_tos),
        "mail_from": envelope.mail_from,
        "from": header("From"),
        "to": [a.addr_spec for a in msg["To"].addresses] if msg["To"] else [],
        "cc": [a.addr_spec for a in msg["Cc"].addresses] if msg["Cc"] else [],
        "reply_to": header("Reply-To"),
        "message_id": header("Message-ID"),
        "subject": header("Subject"),
        "text": body.get_content() if body is not None else None,
        "attachments": attachments,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--host", default="127.0.0.1")
    # TLS, to test what a real relay asks for: STARTTLS required before MAIL, or TLS from
    # the first byte (SMTPS). The certificate and key are PEM files.
    p.add_argument("--tls", choices=("starttls", "implicit"))
    p.add_argument("--cert")
    p.add_argument("--key")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    tls = {}
    if args.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
        if args.tls == "starttls":
            tls = {"tls_context": ctx, "require_starttls": True}
        else:
            tls = {"ssl_context": ctx}
    controller = Controller(Sink(args.dir), hostname=args.host, port=args.port, **tls)
    controller.start()
    print(f"ready {args.port}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
