"""Settings for the APART replica, read from the environment (12-factor).

Every variable has an embedded default that needs nothing running: SQLite, tasks run
in-process, e-mail kept in the application (the outbox, readable at /dev/courriels/).
"""

import shutil
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEFAULT_SECRET_KEY = "insecure-dev-only-secret-key-for-the-apart-replica"
SECRET_KEY = env("SECRET_KEY", default=DEFAULT_SECRET_KEY)
# Key(s) of apart.secretbox (secrets encrypted until used): comma-separated, the first encrypts; SECRET_KEY if empty.
SECRETBOX_KEY = env("SECRETBOX_KEY", default="")
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

if not DEBUG and SECRET_KEY == DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY doit être défini quand DEBUG est désactivé.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.forms",
    "dsfr",
    "widget_tweaks",
    "captcha",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # The project's apps, in the order of their layers (pyproject.toml's import-linter contract): each one
    # imports only from those above it in this list.
    "apart",
    "apart.outbox",
    "audit",
    "accounts",
    "referentiels",
    "habilitations",
    "bareme",
    "dap",
    "indemnisation",
    "espace",
    "instruction",
    "support",
    "portal",
    "demo",
]

MIDDLEWARE = [
    # First: its id and its timing cover every other middleware, and its line is written even for their errors.
    "apart.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "accounts.middleware.MustChangePasswordMiddleware",
    # After the gates of the first connection: a UD agent is led from the employer's space to /instruction/.
    "instruction.middleware.AgentUDMiddleware",
    "espace.middleware.CurrentEstablishmentMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before any view looks up a value of the address: a NUL byte there is a French 400, not a database error.
    "apart.middleware.NulByteMiddleware",
    # After the messages: the end of a session too long says so.
    "accounts.middleware.SessionAbsoluteLifetimeMiddleware",
    "apart.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # django-axes must stay last: it reads the result of the authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "apart.urls"
WSGI_APPLICATION = "apart.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apart.context_processors.service",
                "portal.context_processors.announcements",
            ],
        },
    },
]

# Widget templates (the captcha's) are looked up in templates/ too.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a new PostgreSQL connection per request (a backend forked, authenticated, its caches
# filled) cost a login about as much CPU as all its queries (bench/bench_login.py).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# A persistent connection broken by a restart of PostgreSQL is found out at the first query of the next request and
# opened again, instead of failing that request (tests/faults/test_postgres_restart.py).
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=True))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# One password policy for the whole service (first connection, reset, "Mon compte"), one rule per validator.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "accounts.password_validation.LowercaseValidator"},
    {"NAME": "accounts.password_validation.UppercaseValidator"},
    {"NAME": "accounts.password_validation.DigitValidator"},
    {"NAME": "accounts.password_validation.SpecialCharacterValidator"},
    {"NAME": "accounts.password_validation.NoAccentValidator"},
    {"NAME": "accounts.password_validation.DifferentFromIdentifiantValidator"},
    {"NAME": "accounts.password_validation.DifferentFromOldPasswordValidator"},
    {"NAME": "accounts.password_validation.CommonPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60  # the seeds: the link is valid 60 minutes

# Credential recovery: 5 wrong secret answers lock an account's recovery for 30 minutes (both flows);
# step 1 of each flow is rate-limited per IP address and per identifiant or courriel.
RECOVERY_MAX_WRONG_ANSWERS = 5
RECOVERY_LOCKOUT_DURATION = timedelta(minutes=30)
RECOVERY_RATE_WINDOW_SECONDS = 15 * 60
RECOVERY_RATE_LIMIT_PER_IP = env.int("RECOVERY_RATE_LIMIT_PER_IP", default=20)
RECOVERY_RATE_LIMIT_PER_ACCOUNT = env.int("RECOVERY_RATE_LIMIT_PER_ACCOUNT", default=5)

# Cache: Redis when REDIS_URL is set (also django-axes' and rate limits' storage later).
REDIS_URL = env("REDIS_URL", default="")
# A Redis that accepts connections and never answers must not hang the request: 2 s, then the caller decides
# (the rate limits let the request through, apart.ratelimit).
REDIS_TIMEOUT_SECONDS = 2
REDIS_CACHE_OPTIONS = {"socket_timeout": REDIS_TIMEOUT_SECONDS, "socket_connect_timeout": REDIS_TIMEOUT_SECONDS}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The anonymous home page kept rendered in the cache at most this long (portal.home_cache); 0: rendered each time.
HOME_PAGE_CACHE_SECONDS = env.int("HOME_PAGE_CACHE_SECONDS", default=60)
# Each process keeps its copy this long before asking the cache again (a banner's change shows that late at most).
HOME_PAGE_RECHECK_SECONDS = env.float("HOME_PAGE_RECHECK_SECONDS", default=1.0)

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploaded documents (pièces jointes of the DAPs) go through Django's storage API: the local disk (MEDIA_ROOT) by
# default, an S3-compatible bucket (django-storages) when AWS_STORAGE_BUCKET_NAME is set. Never served as public
# media: the views that check the user's rights stream them.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# whitenoise's manifest storage rewrites the CSS, which then no longer matches the SRI hashes.
DSFR_USE_INTEGRITY_CHECKSUMS = False

# E-mail: the default keeps mail inside the application (outbox rows, printed on the console);
# EMAIL_URL=smtp://host:port sends for real.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":  # noqa: F821 (set by EMAIL_CONFIG)
    # Django's, waiting longer for the reply to the end of the data (apart.outbox.backends: no second copy of an
    # e-mail that a slow server accepted after the sender gave up).
    EMAIL_BACKEND = "apart.outbox.backends.EmailBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# RFC 5321 asks 10 minutes for that reply; kept under OUTBOX_SEND_LEASE_SECONDS (minus 30 s) whatever is set.
OUTBOX_SMTP_DATA_TIMEOUT = env.int("OUTBOX_SMTP_DATA_TIMEOUT", default=10 * 60)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Agence de Services et de Paiement <noreply@asp-public.fr>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
# Sent (and definitively failed) e-mails are deleted after this many days by the hourly housekeeping.
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=90)
# A sender claims a row for this long before talking to the SMTP server; one killed mid-way is retried after it.
OUTBOX_SEND_LEASE_SECONDS = env.int("OUTBOX_SEND_LEASE_SECONDS", default=5 * 60)

# Celery: with no broker, tasks run in-process (eager).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing a task happens in the request (after commit): a broker that hangs gives up after 2 s, once, and the
# row stays pending for the periodic sender (apart.outbox).
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    # Without it kombu retries a refused connection until the 2 s above have passed, at each publish (2 s per
    # e-mail of a request with the broker down); 0: one try, a refused connection costs a millisecond.
    "max_retries": 0,
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="apart")
# A « Demande d'habilitation en masse » split into tasks of 50 lines, which several workers process at once.
HABILITATION_BATCH_FAN_OUT = env.bool("HABILITATION_BATCH_FAN_OUT", default=True)
# Where beat keeps the last run of each periodic task (a file it writes): the working folder unless told otherwise
# (a container's writable /tmp, a test's own folder).
CELERY_BEAT_SCHEDULE_FILENAME = env("CELERY_BEAT_SCHEDULE_FILENAME", default="celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "send-pending-emails": {
        "task": "apart.outbox.tasks.send_pending_emails",
        # Every minute; shorter only where a test waits for the sweep (tests/faults).
        "schedule": timedelta(seconds=env.int("OUTBOX_SWEEP_SECONDS", default=60)),
    },
    # Expired tokens, captchas, sessions and old outbox rows (accounts.housekeeping, also `manage.py purge_expired`).
    "purge-expired": {
        "task": "accounts.tasks.purge_expired",
        "schedule": timedelta(hours=1),
    },
    # The daily deadlines (indemnisation.rappels.deadlines_apply, also `manage.py apply_deadlines`): DAPs without a
    # decision 15 days after receipt become "Acceptée implicitement" (dap.services), then the reminders by e-mail
    # (end of habilitation, DI to file, digest). Shortly after midnight (the implicit acceptances are due then), and
    # idempotent: a missed run is caught up by the next, and each reminder goes out once.
    "apply-deadlines": {
        "task": "indemnisation.tasks.apply_deadlines",
        "schedule": crontab(hour=0, minute=5),
    },
    # The reminder of the double authentification's grace period, 2 days before its end (accounts.two_factor): once
    # per account whatever the number of runs.
    "accounts-two-factor-grace-reminders": {
        "task": "accounts.tasks.two_factor_grace_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    # « Demandes d'habilitation en masse » never queued (broker down) or left by a dead worker (habilitations).
    "habilitations-resume-batches": {
        "task": "habilitations.tasks.resume_batches",
        "schedule": timedelta(minutes=5),
    },
    # The ASP's payment run: the Validée DIs in one SEPA credit transfer file (indemnisation.paiements, also the
    # admin's « Lancer un paiement » and `manage.py run_payments`). Serialised: a run started twice pays once.
    "indemnisation-run-payments": {
        "task": "indemnisation.tasks.run_payments",
        "schedule": crontab(hour=6, minute=0),
    },
}

# The debtor of the payment files (pain.001.001.03): the ASP's account the allocations are paid from.
SEPA_DEBTOR_NAME = env("SEPA_DEBTOR_NAME", default="AGENCE DE SERVICES ET DE PAIEMENT")
SEPA_DEBTOR_IBAN = env("SEPA_DEBTOR_IBAN", default="FR7630001007941234567890185")
SEPA_DEBTOR_BIC = env("SEPA_DEBTOR_BIC", default="BDFEFRPPCCT")

# django-simple-captcha: CAPTCHA_TEST_MODE accepts the word PASSED (for automated acceptance runs).
CAPTCHA_TEST_MODE = env.bool("CAPTCHA_TEST_MODE", default=False)
# The image code read aloud (RGAA 1.5), where Debian's flite is installed.
CAPTCHA_FLITE_PATH = env("CAPTCHA_FLITE_PATH", default=shutil.which("flite") or "") or None
CAPTCHA_LENGTH = 6
CAPTCHA_TIMEOUT = 10  # minutes

# Brute force (django-axes, in the database): the pair (identifiant, IP) is locked after 5 failures in a row
# for 15 minutes; an IP address alone after LOGIN_IP_FAILURE_LIMIT failures over any identifiants.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_HANDLER = "accounts.lockout.LockoutHandler"  # adds the IP limit below, for every login form
AXES_VERBOSE = False
# A wrong current password on the "Mon compte" pages counts as a failed login too: its form's secrets are masked
# in the attempts django-axes records.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "current_password",
    "old_password",
    "new_password1",
    "new_password2",
    "secret_answer",
]
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=30)

# Double authentification (accounts.two_factor): the name authenticator apps show next to the identifiant.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Activité Partielle (APART)")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin lists devices (to delete a lost one), never shows their keys
# Required, after a grace period, for the accounts holding more than this many establishments (active APART
# habilitations; the rule is habilitations.perms.holds_many_establishments); staff and « Agent UD » have no grace.
TWO_FACTOR_ESTABLISHMENTS_THRESHOLD = env.int("TWO_FACTOR_ESTABLISHMENTS_THRESHOLD", default=50)
TWO_FACTOR_GRACE_DAYS = env.int("TWO_FACTOR_GRACE_DAYS", default=7)
TWO_FACTOR_GRACE_REMINDER_DAYS = env.int("TWO_FACTOR_GRACE_REMINDER_DAYS", default=2)  # the reminder: days before

LOGIN_URL = "portal:home"
LOGIN_REDIRECT_URL = "espace:home"

SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
# However active, a session ends this long after its login (accounts.middleware.SessionAbsoluteLifetimeMiddleware).
SESSION_ABSOLUTE_LIFETIME_HOURS = env.int("SESSION_ABSOLUTE_LIFETIME_HOURS", default=12)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    # The __Host- prefix: the browser keeps it only if Secure, for the whole site, never shared with a subdomain.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)

# Reverse proxies: their headers are believed only when BEHIND_PROXY=1 (a client can send any header otherwise).
# PROXY_COUNT proxies in front of the application: the client's address is the PROXY_COUNT-th from the right of
# X-Forwarded-For (apart/client_ip.py), used by django-axes and every limit.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
PROXY_COUNT = env.int("PROXY_COUNT", default=1)
AXES_CLIENT_IP_CALLABLE = "apart.client_ip.client_ip"
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy, in force in every mode: no inline script anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# SIRENE: the local copy of INSEE's directory by default; the INSEE API comes with account creation.
SIRENE_BACKEND = env("SIRENE_BACKEND", default="local")
INSEE_API_URL = env("INSEE_API_URL", default="https://api.insee.fr/api-sirene/3.11")
INSEE_API_KEY = env("INSEE_API_KEY", default="")
INSEE_API_TIMEOUT = env.int("INSEE_API_TIMEOUT", default=5)  # seconds, per connection or read

SUPPORT_EMAIL = env("SUPPORT_EMAIL", default="contact-ap@asp-public.fr")
# The assistance form sends an acknowledgement to the address typed: accepted requests are limited per client IP
# (per hour) and per requester address (per day), and replies through a ticket's link per ticket (per day).
ASSISTANCE_RATE_LIMIT_PER_IP = env.int("ASSISTANCE_RATE_LIMIT_PER_IP", default=10)
ASSISTANCE_RATE_LIMIT_PER_RECIPIENT = env.int("ASSISTANCE_RATE_LIMIT_PER_RECIPIENT", default=3)
ASSISTANCE_REPLY_RATE_LIMIT_PER_TICKET = env.int("ASSISTANCE_REPLY_RATE_LIMIT_PER_TICKET", default=5)
# The site's public address, for links in e-mails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# CRÉER MON ESPACE: a request that passes every automatic check is approved without staff.
ACCOUNT_REQUESTS_AUTO_APPROVE = env.bool("ACCOUNT_REQUESTS_AUTO_APPROVE", default=True)
# Step 2 of CRÉER MON ESPACE: submissions per client IP and per hour.
CREATE_SPACE_RATE_LIMIT_PER_IP = env.int("CREATE_SPACE_RATE_LIMIT_PER_IP", default=10)
# POST /api/simulation/: calls per client IP and per minute (refused calls count too).
SIMULATION_API_RATE_LIMIT_PER_IP = env.int("SIMULATION_API_RATE_LIMIT_PER_IP", default=60)

# `text` for a person reading `make run`; `json` (one object per line, apart.logjson) for a log collector: the
# default when DEBUG=0. One line per request either way, on `apart.requests` (apart.request_log).
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT doit valoir « text » ou « json ».")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "apart.logjson.JsonFormatter"},
    },
    # No token of a token link in any log line ("Not Found: /mot-de-passe/reinitialiser/…"): apart.logredact.
    "filters": {"redact_tokens": {"()": "apart.logredact.RedactTokenPaths"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint's progress (« Step 1 - Fetching and parsing HTML »…, seven lines per activation letter).
        "weasyprint": {"level": "WARNING"},
        # Django's own handlers (DEFAULT_LOGGING) would print these lines again, unfiltered: the console only.
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
