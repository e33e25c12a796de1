"""Log lines as JSON, one per line (LOG_FORMAT=json, the default when DEBUG=0): what a log collector reads.

Each line: `timestamp` (ISO 8601, UTC), `level`, `logger`, `message`, the record's extra fields (the request
line's `request_id`, `status`, `duration_ms`… see apart/request_log.py), the `request_id` of the request for
any other line written while serving it or about it (Django's "Not Found: …" and tracebacks), and `exc_info`
(the traceback, as one string) when there is one. The line as a whole goes through apart.logredact: no token of a
token link, whatever field carries it.
"""

import datetime
import json
import logging

from apart.logredact import redact_token_paths
from apart.request_log import current_request_id

# The attributes every LogRecord has: whatever else a record carries came from `extra=`.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}
_JSON_TYPES = (str, int, float, bool, type(None))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "timestamp": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            # Django's own records carry the request object (`request`), whose text holds the query string: only
            # plain values are written.
            if key not in _STANDARD and key not in line and isinstance(value, _JSON_TYPES):
                line[key] = value
        if "request_id" not in line:
            # Django's own lines (`django.request`: "Not Found: …", the traceback) carry the request; the 4xx ones
            # are written once the middlewares are done, so the current id is no longer set.
            request_id = getattr(record.__dict__.get("request"), "request_id", None) or current_request_id.get()
            if isinstance(request_id, str):
                line["request_id"] = request_id
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc_info"] = record.exc_text
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return redact_token_paths(json.dumps(line, ensure_ascii=False, default=str))
