"""The surge benchmark's own pieces (bench/surge.py measures; nothing here is timed): its bare view stays out of the
product, and what its locust scenario types in a DI is what the saisie accepts."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve, reverse

from indemnisation.forms import salarie_formset

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture
def bench_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))


def test_the_bare_view_answers_only_under_the_bench_urlconf(client, bench_on_path):
    with pytest.raises(Resolver404):
        resolve("/bench/nu/")
    with override_settings(ROOT_URLCONF="surge_urls"):
        response = client.get("/bench/nu/")
        assert response.status_code == 200
        assert response.content == b"nu"
        # The site's pages and names are all there too.
        assert reverse("portal:home") == "/"
        assert resolve("/espace/di/nouvelle/").view_name == "indemnisation:new"


def test_the_locustfile_loads_and_its_di_rows_pass_the_saisie(db):
    """Imported in a child process (locust patches the standard library with gevent when it is imported)."""
    code = (
        "import json, locustfile; from locust import User;"
        "mix = sorted(n for n, c in vars(locustfile).items() if isinstance(c, type) and issubclass(c, User)"
        " and not c.abstract);"
        "nirs = [f'1850575001{i:03d}' for i in range(20)];"
        "nirs = [n + f'{97 - int(n) % 97:02d}' for n in nirs];"
        "print(json.dumps({'mix': mix, 'rows': locustfile.di_saisie_rows(nirs)}))"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(BENCH)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BENCH, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    # Without SURGE_FLAT_OUT / SURGE_CHECK, only the surge day's mix runs.
    assert loaded["mix"] == ["Createur", "Employeur", "Lecteur", "PremiereConnexion"]
    formset = salarie_formset(extra=0, max_num=100)(loaded["rows"])
    assert formset.is_valid(), formset.errors
    assert len([form for form in formset.forms if not form.is_blank()]) == 20
