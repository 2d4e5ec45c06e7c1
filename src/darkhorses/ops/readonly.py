"""Read-only access for queries a user types: a guard on the text, then a read-only transaction.

The guard is a first line of defence with clear messages: it refuses anything but one ``SELECT``
or ``WITH`` statement and any statement that names a writing keyword, after comments, string
literals and quoted identifiers are masked out (so ``'DROP'`` inside a string is fine). The
transaction is the one that cannot be talked round: PostgreSQL runs the query after ``SET
TRANSACTION READ ONLY`` (writes, ``nextval`` and ``SELECT ... FOR UPDATE`` fail), SQLite with
``PRAGMA query_only`` on (any change to the database is refused). Neither replaces a database role
without write privileges for people you do not trust with the data.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from sqlalchemy.engine import Connection, Engine

from darkhorses.errors import ConfigError

WRITE_WORDS = frozenset({
    "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "INTO", "CREATE", "DROP", "ALTER", "TRUNCATE", "RENAME",
    "GRANT", "REVOKE", "COMMENT", "ATTACH", "DETACH", "PRAGMA", "VACUUM", "REINDEX", "ANALYZE", "COPY", "CALL",
    "DO", "EXECUTE", "PREPARE", "DEALLOCATE", "LOCK", "SHARE", "SET", "RESET", "BEGIN", "COMMIT", "ROLLBACK",
    "SAVEPOINT", "RELEASE", "START", "LISTEN", "NOTIFY", "UNLISTEN", "LOAD", "REFRESH", "CLUSTER", "DISCARD",
    "CHECKPOINT", "IMPORT", "SECURITY",
})
"""Words no read-only query needs: statements that write or change the session, ``SELECT INTO``
(which creates a table on PostgreSQL) and row locks (``FOR UPDATE`` / ``FOR SHARE``)."""

_HIDDEN = re.compile(
    r"""--[^\n]*                           # line comment
      | /\*.*?\*/                          # block comment
      | [eE]'(?:[^'\\]|\\.|'')*'           # PostgreSQL escape string
      | '(?:[^']|'')*'                     # string literal
      | "(?:[^"]|"")*"                     # quoted identifier
      | `[^`]*` | \[[^\]]*\]               # SQLite's other identifier quotes
      | \$\$.*?\$\$ | \$(?P<tag>[A-Za-z_]\w*)\$.*?\$(?P=tag)\$   # PostgreSQL dollar quoting
    """,
    re.DOTALL | re.VERBOSE,
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9$]*")


def _masked(sql: str) -> str:
    """``sql`` with comments blanked and literals replaced by placeholders of the same length."""
    def blank(match: re.Match[str]) -> str:
        text = match.group(0)
        if text.startswith(("--", "/*")):
            return " " * len(text)
        return "x" * len(text)  # a literal or identifier: not a keyword, not a separator

    masked = _HIDDEN.sub(blank, sql)
    if "'" in masked or '"' in masked or "/*" in masked:
        raise ConfigError("the query has an unterminated string, identifier or comment")
    return masked


def check_read_only(sql: str) -> str:
    """Return ``sql`` (without a trailing ``;``) if it is one SELECT/WITH statement that names no
    writing keyword; otherwise raise :class:`ConfigError` saying why."""
    masked = _masked(sql)
    end = len(masked.rstrip())
    if masked[:end].endswith(";"):
        end -= 1
    body = masked[:end]
    if ";" in body:
        raise ConfigError("the query must be a single statement (found ';' between statements)")
    words = [word.upper() for word in _WORD.findall(body)]
    if not words:
        raise ConfigError("the query is empty")
    if words[0] not in {"SELECT", "WITH"}:
        raise ConfigError(f"only a SELECT or WITH query can be exported, not {words[0]}")
    refused = sorted(set(words) & WRITE_WORDS)
    if refused:
        raise ConfigError(f"a read-only query cannot use {refused[0]}")
    return sql[:end].rstrip()


@contextlib.contextmanager
def read_only_connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that the database itself keeps read-only.

    The transaction is rolled back at the end (there is nothing to commit), and on SQLite the
    pooled connection gets ``query_only`` switched off again before anyone else uses it.
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        try:
            with connection.begin() as transaction:
                if sqlite:
                    connection.exec_driver_sql("PRAGMA query_only = ON")
                else:
                    connection.exec_driver_sql("SET TRANSACTION READ ONLY")
                yield connection
                transaction.rollback()
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA query_only = OFF")
                if connection.in_transaction():
                    connection.rollback()
