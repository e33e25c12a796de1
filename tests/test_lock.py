"""requirements.lock (`make lock`) agrees with pyproject.toml: a pin changed without re-locking fails here."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)")


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        name, _, version = requirement.partition("==")
        assert version, f"{requirement} : pyproject.toml épingle chaque dépendance (==)"
        pins[_normalized(name.split("[")[0])] = version.strip()
    return pins


def _lock_entries() -> list[tuple[str, str, str]]:
    """(name, version, the entry's text) for each package of the lock; an entry runs until the next one."""
    entries = []
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if match := ENTRY.match(line):
            entries.append([_normalized(match["name"]), match["version"], line])
        elif entries and not line.lstrip().startswith("#"):
            entries[-1][2] += "\n" + line
    return [tuple(entry) for entry in entries]


def test_every_pin_of_pyproject_is_locked_at_the_same_version():
    locked = {name: version for name, version, _text in _lock_entries()}

    mismatches = {name: (version, locked.get(name)) for name, version in _pins().items() if locked.get(name) != version}

    assert mismatches == {}, "pyproject.toml et requirements.lock divergent (version, verrouillée) : lancez `make lock`"


def test_every_locked_package_has_its_hashes():
    entries = _lock_entries()

    assert len(entries) > len(_pins())  # the lock also pins what the dependencies depend on
    assert [name for name, _version, text in entries if "--hash=sha256:" not in text] == []


def test_the_makefile_installs_from_the_lock_and_refreshes_when_it_changes():
    makefile = (ROOT / "Makefile").read_text()

    assert re.search(r"^\$\(VENV\)/\.installed: .*\$\(LOCK\)", makefile, re.MULTILINE)
    assert "pip install --quiet --require-hashes -r $(LOCK)" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    assert "LOCK := requirements.lock" in makefile


def test_the_docker_image_installs_from_the_lock_and_can_print_the_activation_letters():
    """The image (docker-compose's web, worker and beat) gets the same checked versions as `make run`, and the
    libraries WeasyPrint needs: without Pango, `activation_letters` fails and no establishment gets its code."""
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-deps ." in dockerfile
    assert not re.search(r"pip install \.$", dockerfile, re.MULTILINE)  # never the unpinned dependencies
    for library in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"):
        assert library in dockerfile
