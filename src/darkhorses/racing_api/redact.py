"""Keep credentials out of every string the client emits.

The client never puts credentials into messages, logs or archive records itself; this guards
against the server putting them there (an error body echoing the user name or the
``Authorization`` header). Values shorter than ``MIN_SECRET_LENGTH`` are not replaced, because
replacing a short word like ``demo`` would corrupt racing data; real Racing API credentials are
long random strings.
"""

from __future__ import annotations

import base64

MIN_SECRET_LENGTH = 6
MASK = "***"


class Redactor:
    """Replaces the user name, the password and their Basic-auth token with ``***``, and any
    ``others`` (an alert URL's tokens, a database password) too."""

    def __init__(self, username: str, password: str, *others: str) -> None:
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        candidates = {token, f"{username}:{password}", username, password, *others}
        self._secrets = sorted((s for s in candidates if len(s) >= MIN_SECRET_LENGTH), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"
