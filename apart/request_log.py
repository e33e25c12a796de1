"""One log line per request, on the logger `apart.requests`, and a request id a support agent can ask for.

The id comes from the proxy's `X-Request-ID` when it is well-formed (so the proxy's log and ours share it), else
it is a new uuid4; it goes on `request.request_id`, in the response's `X-Request-ID` header, on the error pages
(apart/errors.py) and on every log line written during the request (apart/logjson.py reads `current_request_id`).
The line carries the path without its query string, token links redacted (apart/logredact.py). `duration_ms` runs
until the response is built (a streamed file's transfer is not counted).
"""

import contextvars
import logging
import re
import sys
import time
import uuid

from django.core.signals import got_request_exception

from apart.client_ip import client_ip
from apart.logredact import redact_token_paths

logger = logging.getLogger("apart.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy may hand us: letters, digits and hyphens only (a uuid, with or without hyphens), never anything a log
# reader or a page could misread.
_WELL_FORMED_ID = re.compile(r"\A[A-Za-z0-9-]{8,64}\Z")
USER_AGENT_MAX = 200

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def request_id_for(request) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if _WELL_FORMED_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def _user_id(request):
    user = getattr(request, "user", None)
    if user is None:
        return None
    try:
        return user.pk if user.is_authenticated else None
    except Exception:  # the database may be what failed: the line is still written
        return None


def _remember_exception(sender, request=None, **kwargs):
    """Django sends this signal for an uncaught exception (a 500), inside its `except`: its type goes on the line."""
    exception = sys.exc_info()[1]
    if request is not None and exception is not None:
        request._request_log_exception = type(exception).__name__


got_request_exception.connect(_remember_exception, dispatch_uid="apart.request_log")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        request.request_id = request_id_for(request)
        token = current_request_id.set(request.request_id)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request.request_id
            self._log(request, response.status_code, start)
            return response
        finally:
            current_request_id.reset(token)

    def _log(self, request, status, start):
        duration_ms = round((time.perf_counter() - start) * 1000, 1)
        path = redact_token_paths(request.path)
        exception = getattr(request, "_request_log_exception", None)
        fields = {
            "request_id": request.request_id,
            "method": request.method,
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
            "user_id": _user_id(request),
            "client_ip": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX],
        }
        if exception:
            fields["exception"] = exception
        level = logging.ERROR if status >= 500 else logging.INFO
        # The message says it all for a person reading text logs (LOG_FORMAT=text); JSON has each field apart too.
        logger.log(
            level,
            "%s %s %s %.1fms request_id=%s user_id=%s",
            request.method,
            path,
            status,
            duration_ms,
            request.request_id,
            fields["user_id"],
            extra=fields,
        )
