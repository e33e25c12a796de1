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
def field_hint(field) -> str:
    """A field's hint, unless an error already says it (« Ne pas saisir d'adresse de messagerie » is both the hint
    of the identifiant and its error when an address is typed: said once)."""
    hint = field.help_text
    return "" if hint and str(hint) in [str(error) for error in field.errors] else hint


@register.simple_tag
def described_by(field) -> str:
    """The ids of what describes a field: its hint, then its errors (includes/field.html renders both)."""
    ids = []
    if field_hint(field):
        ids.append(f"{field.auto_id}-hint")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    return " ".join(ids)


@register.simple_tag(takes_context=True)
def admin_dashboard(context):
    return dashboard.panels(context["request"])
