from django import template

from apart import dashboard

register = template.Library()

VOWELS = frozenset("aeiouyàâäéèêëîïôöùûüÿœæhAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŸŒÆH")


@register.filter
def de(name: str) -> str:
    """« de » before a name, elided before a vowel or a mute h: « la fiche d'ATELIERS », « de BOULANGERIE »."""
    name = str(name or "")
    return f"d'{name}" if name[:1] in VOWELS else f"de {name}"


@register.filter
def startswith(value: str, prefix: str) -> bool:
    return str(value or "").startswith(prefix)


@register.simple_tag
def described_by(field) -> str:
    """The ids of what describes a field: its hint, then its errors (includes/field.html renders both)."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}-hint")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    return " ".join(ids)


@register.simple_tag(takes_context=True)
def admin_dashboard(context):
    return dashboard.panels(context["request"])
