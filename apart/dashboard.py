"""The home page of the admin as a back office: what waits for staff, app by app.

Each app registers a panel (in its AppConfig.ready) so that `apart` knows none of them; a panel shows only to
staff who may see its model.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.timesince import timesince


def elapsed(since: datetime.datetime) -> str:
    """How long ago, in words: Django's timesince, which says « 0 minute » under a minute."""
    if timezone.now() - since < datetime.timedelta(minutes=1):
        return "moins d'une minute"
    return timesince(since)


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    url: str = ""
    alert: bool = False  # shown as needing attention (a delay passed, a failure)


@dataclass(frozen=True)
class Panel:
    title: str
    figures: list[Figure] = field(default_factory=list)


_providers: list[Callable] = []


def register(provider: Callable) -> Callable:
    """Decorator: `provider(request) -> Panel | None` (None when the user may not see it)."""
    _providers.append(provider)
    return provider


def panels(request) -> list[Panel]:
    return [panel for panel in (provider(request) for provider in _providers) if panel is not None]
