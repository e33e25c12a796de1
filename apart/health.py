"""/sante/: the state of each service (apart.stack) as JSON, for a load balancer or a probe.

200 when every configured service answers, 503 otherwise, with the failing services named in `en_panne`. Each
service's key says "ok", "non configuré (…)" or "erreur : <type of the error>": the page is public, so the error's
message (host names, ports) is kept for the operator's `manage.py check_stack`.
"""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .stack import DOWN, NOT_CONFIGURED, OK, stack_check


def _summary(state) -> str:
    if state.state == OK:
        return "ok"
    if state.state == NOT_CONFIGURED:
        return f"non configuré ({state.detail})"
    return f"erreur : {state.detail.split(':', 1)[0]}"


@never_cache
def health(request):
    states = stack_check()
    down = [state.name for state in states if state.state == DOWN]
    return JsonResponse(
        {
            "status": "erreur" if down else "ok",
            **{state.name: _summary(state) for state in states},
            "en_panne": down,
            "durees_ms": {state.name: state.duration_ms for state in states},
        },
        status=503 if down else 200,
        json_dumps_params={"ensure_ascii": False},
    )
