"""A real SMTP server for the mail tests (issue 20): aiosmtpd on loopback. Each message it
receives is written to DIR as <n>.eml (as received) and <n>.json (envelope recipients, From,
To, Subject and the decoded plain-text and HTML parts, for the test to read). Prints the port
it listens on, then serves until stdin closes (the test that started it ended).

    python smtp_sink.py DIR
"""
import email
import email.policy
import itertools
import json
import os
import socket
import sys

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, directory):
        self.directory = directory
        self.numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.numbers)
        raw = envelope.original_content or envelope.content
        base = os.path.join(self.directory, f"{n:05d}")
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = {}
        for kind in ("plain", "html"):
            part = message.get_body(preferencelist=(kind,))
            parts[kind] = part.get_content() if part is not None else None
        record = {
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "text": parts["plain"],
            "html": parts["html"],
        }
        with open(base + ".json.part", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(base + ".json.part", base + ".json")
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    directory = sys.argv[1]
    os.makedirs(directory, exist_ok=True)
    port = free_port()
    controller = Controller(Keep(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print(port, flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
