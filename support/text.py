"""The light markup of knowledge-base articles: paragraphs, lists, links, bold — everything else escaped."""

import re

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

BULLET = re.compile(r"^- +(.*)$")
NUMBERED = re.compile(r"^\d+[.)] +(.*)$")
# [texte](adresse): a page of the site, an e-mail address, a phone number or an https address.
LINK = re.compile(r"\[([^\]\n]+)\]\(((?:/|mailto:|tel:|https://)[^)\s]*)\)")
BOLD = re.compile(r"\*\*([^*\n]+)\*\*")
INLINE = re.compile(f"{LINK.pattern}|{BOLD.pattern}")


def _inline(text: str) -> str:
    parts, position = [], 0
    for match in INLINE.finditer(text):
        parts.append(escape(text[position : match.start()]))
        link_text, href, bold = match.group(1), match.group(2), match.group(3)
        if bold is not None:
            parts.append(format_html("<strong>{}</strong>", bold))
        else:
            parts.append(format_html('<a href="{}">{}</a>', href, link_text))
        position = match.end()
    parts.append(escape(text[position:]))
    return "".join(parts)


def _kind(line: str) -> tuple[str, str]:
    if match := BULLET.match(line):
        return "ul", match.group(1)
    if match := NUMBERED.match(line):
        return "ol", match.group(1)
    return "p", line


def article_html(body: str) -> str:
    """The article's text as HTML; consecutive lines of one kind make one paragraph or one list."""
    html = []
    for block in re.split(r"\n\s*\n", body.replace("\r\n", "\n").strip()):
        groups: list[tuple[str, list[str]]] = []
        for line in block.split("\n"):
            line = line.strip()
            if not line:
                continue
            kind, text = _kind(line)
            if groups and groups[-1][0] == kind:
                groups[-1][1].append(text)
            else:
                groups.append((kind, [text]))
        for kind, lines in groups:
            if kind == "p":
                html.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
            else:
                items = "".join(f"<li>{_inline(line)}</li>" for line in lines)
                html.append(f"<{kind}>{items}</{kind}>")
    return mark_safe("\n".join(html))  # every piece of text above went through escape()


def plain_text(body: str) -> str:
    """The article's text without its markup, on one line (search excerpts)."""
    text = LINK.sub(r"\1", body)
    text = BOLD.sub(r"\1", text)
    return " ".join(text.split())


def excerpt(body: str, words: list[str], *, length: int = 220) -> str:
    """About `length` characters of the text, around the first of `words` found in it."""
    text = plain_text(body)
    lowered = text.lower()
    positions = [lowered.find(word.lower()) for word in words if word and lowered.find(word.lower()) >= 0]
    start = max(min(positions) - length // 3, 0) if positions else 0
    if start:
        start = text.find(" ", start) + 1 or start
    end = start + length
    cut = text[start:end]
    if end < len(text):
        cut = cut.rsplit(" ", 1)[0] + " …"
    return ("… " if start else "") + cut
