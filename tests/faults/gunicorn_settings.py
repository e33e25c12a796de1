"""The production settings (apart.settings with DEBUG off) for the gunicorn of the PostgreSQL restart test, but for
the static files, read from the source folders: whitenoise's manifest storage needs a collectstatic of 1 600 files
first (minutes on a loaded 2-core machine), and the static files play no part in what the test checks."""

from apart.settings import *  # noqa: F403
from apart.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
