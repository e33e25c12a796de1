"""Settings read from the environment, and production safety when DEBUG is off."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json
import django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER, "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"], "email": settings.EMAIL_BACKEND,
    "email_host": settings.EMAIL_HOST, "email_port": settings.EMAIL_PORT,
    "hasher": settings.PASSWORD_HASHERS[0], "language": settings.LANGUAGE_CODE, "tz": settings.TIME_ZONE,
    "secure_cookie": settings.SESSION_COOKIE_SECURE, "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "hsts": settings.SECURE_HSTS_SECONDS, "frame": settings.X_FRAME_OPTIONS,
    "captcha_test_mode": settings.CAPTCHA_TEST_MODE,
    "session_cookie_name": settings.SESSION_COOKIE_NAME,
    "session_absolute_hours": settings.SESSION_ABSOLUTE_LIFETIME_HOURS,
    "proxy_ssl_header": settings.SECURE_PROXY_SSL_HEADER,
    "behind_proxy": settings.BEHIND_PROXY, "proxy_count": settings.PROXY_COUNT,
    "storage": settings.STORAGES["default"]["BACKEND"],
    "storage_options": settings.STORAGES["default"].get("OPTIONS", {}),
}))
"""

CLEARED = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "DEBUG",
    "SECRET_KEY",
    "CAPTCHA_TEST_MODE",
    "BEHIND_PROXY",
    "PROXY_COUNT",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
)


def _settings(**env):
    environment = {key: value for key, value in os.environ.items() if key not in CLEARED}
    environment.update(DJANGO_SETTINGS_MODULE="apart.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    return result


def test_embedded_defaults_need_nothing_running():
    result = _settings()

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].endswith("db.sqlite3")
    assert values["eager"] is True and values["broker"] == ""
    assert values["cache"].endswith("LocMemCache")
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"
    assert values["hasher"] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert (values["language"], values["tz"]) == ("fr-fr", "Europe/Paris")
    assert values["captcha_test_mode"] is False


def test_services_are_configured_from_the_environment():
    result = _settings(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/apart",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        REDIS_URL="redis://127.0.0.1:6379/1",
        EMAIL_URL="smtp://127.0.0.1:1025",
        CAPTCHA_TEST_MODE="1",
    )

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["eager"] is False and values["broker"] == "redis://127.0.0.1:6379/0"
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["email"] == "apart.outbox.backends.EmailBackend"  # Django's, patient at the end of the data
    assert (values["email_host"], values["email_port"]) == ("127.0.0.1", 1025)
    assert values["captcha_test_mode"] is True


def test_production_refuses_to_start_with_the_default_secret_key():
    result = _settings(DEBUG="0")

    assert result.returncode != 0
    assert "SECRET_KEY doit être défini" in result.stderr


def test_production_is_locked_down():
    result = _settings(DEBUG="0", SECRET_KEY="une-cle-de-production-longue-et-aleatoire-0123456789")

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["secure_cookie"] is True and values["csrf_secure"] is True
    assert values["hsts"] >= 31536000
    assert values["frame"] == "DENY"


def test_the_session_cookie_is_a_host_cookie_when_secure():
    """`__Host-`: the browser keeps it only if Secure, for path /, without Domain (no subdomain can set it)."""
    production = json.loads(
        _settings(DEBUG="0", SECRET_KEY="une-cle-de-production-longue-et-aleatoire-0123456789")
        .stdout.strip()
        .splitlines()[-1]
    )
    development = json.loads(_settings().stdout.strip().splitlines()[-1])

    assert production["session_cookie_name"] == "__Host-sessionid" and production["secure_cookie"] is True
    assert development["session_cookie_name"] == "sessionid"  # plain http in development: no prefix possible
    assert development["session_absolute_hours"] == 12


PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "une-cle-de-production-longue-et-aleatoire-0123456789"}


def _values(**env) -> dict:
    result = _settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_proxy_headers_are_believed_only_behind_a_proxy():
    """X-Forwarded-Proto makes a request "https": without a proxy that strips it, any client could say so."""
    alone = _values(**PRODUCTION)
    behind = _values(**PRODUCTION, BEHIND_PROXY="1", PROXY_COUNT="2")

    assert (alone["behind_proxy"], alone["proxy_count"], alone["proxy_ssl_header"]) == (False, 1, None)
    assert behind["proxy_ssl_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert (behind["behind_proxy"], behind["proxy_count"]) == (True, 2)


def test_uploads_go_to_the_local_disk_by_default_and_to_an_s3_bucket_when_configured():
    local = json.loads(_settings().stdout.strip().splitlines()[-1])
    assert local["storage"] == "django.core.files.storage.FileSystemStorage"

    result = _settings(AWS_STORAGE_BUCKET_NAME="apart-pieces", AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["storage"] == "storages.backends.s3.S3Storage"
    assert values["storage_options"]["bucket_name"] == "apart-pieces"
    assert values["storage_options"]["endpoint_url"] == "http://127.0.0.1:9000"
    assert values["storage_options"]["default_acl"] == "private"


def test_the_s3_storage_builds_private_signed_addresses_without_a_network():
    """The S3 backend is installed and its options are valid: an address is signed locally (no request made)."""
    from storages.backends.s3 import S3Storage

    storage = S3Storage(
        bucket_name="apart-pieces",
        endpoint_url="http://127.0.0.1:9000",
        access_key="cle",
        secret_key="secret",
        region_name="us-east-1",
        default_acl="private",
        querystring_auth=True,
    )
    url = storage.url("dap/piece.pdf")
    assert url.startswith("http://127.0.0.1:9000/apart-pieces/dap/piece.pdf?") and "Signature" in url
