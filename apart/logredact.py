"""Tokens never reach the logs: the secret segment of a token link's path is written « [jeton] ».

The token links (a password reset, a courriel change, a reply to a ticket) now move their token to the session
and redirect at once, but the first request still carries it in its path: the access log (gunicorn, see
apart/gunicorn_conf.py) and Django's own log lines ("Not Found: /…") go through `redact_token_paths`.
"""

import logging
import re

# The routes whose last segment is a secret: every `<str:token>` URL of accounts/urls.py and support/urls.py
# (tests/apart/test_logredact.py checks that none is missing).
TOKEN_PATH_PREFIXES = (
    "/mot-de-passe/reinitialiser/",
    "/mon-compte/courriel/confirmer/",
    "/besoin-d-aide/assistance/repondre/",
)
REDACTED = "[jeton]"
_TOKEN_SEGMENT = re.compile("(" + "|".join(re.escape(prefix) for prefix in TOKEN_PATH_PREFIXES) + r")[^/?#\s\"'<>]+")


def redact_token_paths(text: str) -> str:
    """`text` with the token of every token-link path in it (a path, a full URL, a request line) replaced."""
    return _TOKEN_SEGMENT.sub(rf"\g<1>{REDACTED}", text)


class RedactTokenPaths(logging.Filter):
    """A logging filter for the handlers: the record's message, once formatted, without tokens."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_token_paths(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
