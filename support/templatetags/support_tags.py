from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from support.selectors import MARK_START, MARK_STOP
from support.text import article_html

register = template.Library()


@register.filter
def article_body(body: str) -> str:
    """An article's light markup as HTML (support.text.article_html)."""
    return article_html(body)


@register.filter
def highlight(text: str) -> str:
    """A search excerpt, escaped, with the words found in <mark>."""
    return mark_safe(escape(text).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>"))
