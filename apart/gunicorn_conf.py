"""gunicorn's settings for production (Dockerfile, docker-compose.yml): `gunicorn apart.wsgi -c python:apart.gunicorn_conf`.

The access log prints the path without the query string (`%(U)s`, never `%(r)s` nor `%(q)s`), and every atom
goes through apart.logredact, so the token of a token link never reaches it (nor through the Referer).
"""

import os

import environ
from gunicorn.glogging import Logger

from apart.logredact import RedactTokenPaths, redact_token_paths

_env = environ.Env()
# Sync workers, gunicorn's own formula: 2 × cores + 1 (a worker waiting on PostgreSQL, Redis or the client leaves its
# core to another). WEB_CONCURRENCY, or --workers on the command line, overrides it.
workers = _env.int("WEB_CONCURRENCY", default=2 * len(os.sched_getaffinity(0)) + 1)
# With JSON logs (LOG_FORMAT=json, the default when DEBUG=0: apart/settings.py) Django's `apart.requests` line is the
# access log, with the request id and the user: gunicorn's, in another format on the same output, would only break
# the collector's parsing.
_JSON_LOGS = (
    _env("LOG_FORMAT", default="text" if _env.bool("DEBUG", default=True) else "json").strip().lower() == "json"
)
accesslog = None if _JSON_LOGS else "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
logger_class = "apart.gunicorn_conf.TokenRedactingLogger"
# Whether a request came over https is Django's to tell, from X-Forwarded-Proto only when BEHIND_PROXY=1
# (SECURE_PROXY_SSL_HEADER). gunicorn otherwise believes that header (and X-Forwarded-Ssl…) from 127.0.0.1
# (forwarded_allow_ips) and sets wsgi.url_scheme to https, which Django then trusts whatever BEHIND_PROXY says.
secure_scheme_headers = {}


class TokenRedactingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        # gunicorn's own lines ("Error handling request /mot-de-passe/reinitialiser/…") are filtered too.
        if not any(isinstance(existing, RedactTokenPaths) for existing in self.error_log.filters):
            self.error_log.addFilter(RedactTokenPaths())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact_token_paths(value) if isinstance(value, str) else value for key, value in atoms.items()}
