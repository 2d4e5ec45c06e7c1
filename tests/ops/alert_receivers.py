"""Local alert receivers on loopback: a JSON webhook (Apprise ``json://``) and an SMTP server
(aiosmtpd, for ``mailto://``), each recording what it was sent."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WEBHOOK_TOKEN = "Tok3nWebhookS3cret"
SMTP_USER = "alerts-sender"
SMTP_PASSWORD = "MailPassw0rd77"


@dataclass
class Webhook:
    url: str
    posts: list[dict[str, Any]] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [f"{post['title']}\n{post['message']}" for post in self.posts]


@contextmanager
def webhook() -> Iterator[Webhook]:
    """An HTTP server on 127.0.0.1 that answers 200 and keeps every JSON body posted to its path."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, **json.loads(body)})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield Webhook(f"json://127.0.0.1:{server.server_port}/hooks/{WEBHOOK_TOKEN}", received)
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    url: str
    mails: list[Message] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    def texts(self) -> list[str]:
        out = []
        for mail in self.mails:
            parts = [part.get_payload(decode=True) for part in mail.walk() if not part.is_multipart()]
            out.append(f"{mail['Subject']}\n" + "\n".join(p.decode() for p in parts if p))
        return out


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """aiosmtpd on 127.0.0.1 with a login (plain text on loopback), keeping every message."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    port = _free_port()
    box = Mailbox(f"mailto://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{port}"
                  "?from=darkhorses@example.com&to=ops@example.com&mode=insecure")

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:  # noqa: N802
            box.mails.append(message_from_bytes(envelope.content))
            return "250 OK"

    def authenticate(server: object, session: object, envelope: object, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            box.logins.append((data.login, data.password))
            return AuthResult(success=data.login == SMTP_USER.encode() and data.password == SMTP_PASSWORD.encode())
        return AuthResult(success=False)

    controller = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
