"""The test settings: the project's, with a fast password hasher (cookiecutter-django's test.py).

An Argon2 hash costs a third of a second here and every test user has two (password, secret answer); the
tests that are about hashing ask for the real hashers with the `argon2` marker (tests/conftest.py).
"""

from apart.settings import *  # noqa: F403
from apart.settings import PASSWORD_HASHERS as PRODUCTION_PASSWORD_HASHERS  # noqa: F401

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # A test database is thrown away: no commit waits for the disk (each transactional test's flush commits).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405
