"""The home page of the admin as a back office: what waits for staff, app by app.

Each app registers a panel (in its AppConfig.ready) so that `apart` knows none of them; a panel shows only to
staff who may see its model.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


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
