#!/usr/bin/env python3
"""A real SMTP server for the e-mail tests: aiosmtpd on 127.0.0.1:PORT, every message
it accepts written raw (as received, headers and MIME body) to DIR/NNNN.eml.

    target/validators-venv/bin/python scripts/smtp-sink.py --port 2525 --dir /tmp/mails

Prints "ready PORT" on stdout once it accepts connections, then serves until killed.
Each file appears whole (written aside, then renamed), so a reader never sees half a
message. Installed with aiosmtpd by scripts/setup-validators.
"""

import argparse
import itertools
import os
import signal
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
        # The envelope recipients, which Bcc would hide from the headers.
        with open(os.path.join(self.directory, f"{n:04d}.rcpt"), "w") as f:
            f.write("\n".join(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--host", default="127.0.0.1")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Sink(args.dir), hostname=args.host, port=args.port)
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
