"""`make run`: the links of e-mails and letters point to the port the site is run on."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make absent")


def _run_command(directory, *args, env_site_url=None):
    """The runserver line `make -n run` would execute, in a copy of the Makefile (no .env of the checkout)."""
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "MAKEFLAGS", "MFLAGS")}
    if env_site_url:
        env["SITE_URL"] = env_site_url
    out = subprocess.run(
        ["make", "-n", "run", *args], cwd=directory, env=env, capture_output=True, text=True, check=True
    ).stdout
    return next(line for line in out.splitlines() if "manage.py runserver" in line)


@pytest.fixture
def copy(tmp_path):
    for name in ("Makefile", "pyproject.toml", "requirements.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_make_run_on_another_port_gives_that_port_to_the_links(copy):
    assert _run_command(copy, "PORT=8010").startswith("SITE_URL=http://127.0.0.1:8010 ")
    assert _run_command(copy).startswith("SITE_URL=http://127.0.0.1:8000 ")


def test_a_site_url_already_set_is_kept(copy):
    assert "SITE_URL=" not in _run_command(copy, "PORT=8010", env_site_url="https://ap.example.fr")
    assert "SITE_URL=" not in _run_command(copy, "PORT=8010", "SITE_URL=https://ap.example.fr")
    (copy / ".env").write_text("DEBUG=1\nSITE_URL=https://ap.example.fr\n")
    assert "SITE_URL=" not in _run_command(copy, "PORT=8010")
