"""Hostile values for the forms and the API, and one generic check of an answer: no 500, French, nothing written.

The forms' fields are read from the page itself (its `<form method="post">`), so a field added later is fuzzed too.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Few examples per form: the whole file stays within a couple of minutes on two cores.
settings.register_profile(
    "hostile",
    max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "25")),  # more to hunt: HOSTILE_EXAMPLES=500
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=not os.environ.get("HOSTILE_EXAMPLES"),
)
reglages = settings.get_profile("hostile")

CONTROL = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x1f", "\x7f", "\u202e", "\u200b", "\u200d", "\ufeff", "\r\n"]
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "'; DROP TABLE accounts_user; --",
    "${jndi:ldap://x}",
    "{{ 7*7 }}",
    "{% debug %}",
    "../../etc/passwd",
    "%00",
    "%s%s%s%n",
]
NUMBERS = [
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "Infinity",
    "-0",
    "１２",
    "٣",
    "12,5",
    "1 234,56",
    "0x1F",
    "9" * 40,
    "-" + "9" * 30,
    "1_000",
    "+5",
    ".5",
    "5.",
    "1e5",
    "0.0000001",
    "−3",
]
DATES = [
    "31/02/2026",
    "0000-00-00",
    "2026-13-01",
    "00/00/0000",
    "99/99/9999",
    "１２/０３/２０２６",
    "2026-02-31",
    "1/1/1",
    "31/12/9999",
    "01/01/0001",
    "2026-03",
    "13/2026",
    "--",
]
LOOKALIKES = [
    "jеаn.dupоnt",
    "аdmin",
    "ＡＢＣ",
    "１２３４５６７８９０１２３４",
    "FR７６３０００６０００",
    "ß",
    "ǅ",
    "İ",
    "1ｌ",
    "١٢٣٤٥٦٧٨٩٠١٢٣٤",
]

scalars = st.one_of(
    st.sampled_from(CONTROL + PAYLOADS + NUMBERS + DATES + LOOKALIKES + ["", " ", "on", "true", "None", "null"]),
    st.text(min_size=0, max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20),
    st.builds(lambda base, n: base * n, st.sampled_from(["a", "é", "9", "<b>", "\u202e"]), st.integers(2_000, 12_000)),
    st.builds(lambda a, b: a + b, st.sampled_from(CONTROL), st.sampled_from(PAYLOADS + NUMBERS + DATES + LOOKALIKES)),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
)

FILE_BODIES = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [
            b"",
            b"\x00\x00\x00",
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
            b"\xff\xfe" + "nom;prénom\n".encode("utf-16-le"),
            b"\xef\xbb\xbf" + b"siret;courriel\n",
            "nom;prenom;nir\n<script>;' OR 1=1 --;１２３\n".encode(),
            b";" * 5000,
            b"a\n" * 5000,
            "siret,identifiant\n" + "x" * 20000,
        ]
    ).map(lambda body: body if isinstance(body, bytes) else body.encode()),
)


def file_values():
    return st.builds(
        lambda name, body, ctype: SimpleUploadedFile(name, body, content_type=ctype),
        st.sampled_from(
            [
                "fichier.csv",
                "fichier.pdf",
                "a" * 300 + ".csv",
                "<script>.csv",
                "\x00.pdf",
                "..\\x.csv",
                "sans-extension",
            ]
        ),
        FILE_BODIES,
        st.sampled_from(["text/csv", "application/pdf", "application/octet-stream", "text/html"]),
    )


class _Forms(HTMLParser):
    """The POST forms of a page: for each, its action and its fields with the value the page gives them."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):  # noqa: C901 (one branch per kind of field)
        attrs = dict(attrs)
        if tag == "form":
            self._current = {
                "action": attrs.get("action"),
                "method": (attrs.get("method") or "get").lower(),
                "fields": {},
                "files": set(),
                "choices": {},
            }
            self.forms.append(self._current)
            return
        if self._current is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind == "file":
                self._current["files"].add(name)
            elif kind in ("checkbox", "radio"):
                self._current["choices"].setdefault(name, []).append(attrs.get("value", "on"))
                if "checked" in attrs:
                    self._current["fields"][name] = attrs.get("value", "on")
            elif kind not in ("submit", "button", "image", "reset"):
                self._current["fields"][name] = attrs.get("value") or ""
            elif kind == "submit":
                self._current["choices"].setdefault(name, []).append(attrs.get("value", ""))
        elif tag == "button" and name:
            self._current["choices"].setdefault(name, []).append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._current["fields"][name] = ""
        elif tag == "select" and name:
            self._select = name
            self._current["fields"][name] = ""
        elif tag == "option" and self._select:
            self._current["choices"].setdefault(self._select, []).append(attrs.get("value", ""))
            if "selected" in attrs:
                self._current["fields"][self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None


def get_field_names(html: str) -> list[str]:
    """The names of the fields of the page's GET forms (its filters)."""
    parser = _Forms()
    parser.feed(html)
    names = set()
    for form in parser.forms:
        if form["method"] == "get":
            names.update(form["fields"], form["choices"])
    return sorted(names)


def post_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return [form for form in parser.forms if form["method"] == "post"]


def the_form(client, url: str, *, files: bool = False, action: str | None = None, extra: tuple[str, ...] = ()) -> dict:
    """The fields of the page's POST form at `url` (the largest one, or the one with a file), plus `extra` names."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    forms = post_forms(response.content.decode())
    if files:
        forms = [form for form in forms if form["files"]]
    if action:
        forms = [form for form in forms if (form["action"] or "").split("#")[0] == action]
    assert forms, f"Aucun formulaire POST sur {url}"
    form = max(forms, key=lambda f: len(f["fields"]) + len(f["files"]))
    for name in extra:
        form["fields"].setdefault(name, "")
    return form


def _hostile_value(draw, form, name, value):
    how = draw(st.sampled_from(["hostile", "hostile", "hostile", "missing", "twice", "choice"]))
    if how == "hostile":
        return draw(scalars)
    if how == "twice":
        return [draw(scalars), value]
    if how == "choice" and form["choices"].get(name):
        return draw(st.sampled_from(form["choices"][name]))
    return None  # left out


@st.composite
def hostile_data(draw, form: dict, *, valid: dict | None = None, keep: tuple[str, ...] = ("csrfmiddlewaretoken",)):
    """The form's fields (the page's values, or `valid`'s), one or two made hostile (a valid form around them
    reaches the checks deepest inside), or all of them: replaced by a hostile value, a wrong choice, left out,
    or given twice."""
    base = {**form["fields"], **(valid or {})}
    names = [name for name in [*base, *form["choices"], *form["files"]] if name not in keep]
    names = list(dict.fromkeys(names))
    few = draw(st.booleans())
    chosen = set(draw(st.lists(st.sampled_from(names), min_size=1, max_size=2))) if few and names else set(names)
    data: dict = {}
    for name in names:
        value = base.get(name, "")
        if name not in chosen:
            if name in base:
                data[name] = value
            continue
        if name in form["files"]:
            if draw(st.booleans()):
                data[name] = draw(file_values())
            elif draw(st.booleans()):
                data[name] = draw(scalars)
            continue
        hostile = _hostile_value(draw, form, name, value)
        if hostile is not None:
            data[name] = hostile
    for name in keep:
        if name in base:
            data[name] = base[name]
    return data


# English messages Django or a library would show when a form is not translated.
ENGLISH = [
    "This field is required",
    "Enter a valid",
    "Ensure this value",
    "Select a valid choice",
    "is not a valid",
    "Enter a whole number",
    "Enter a number",
    "Null characters are not allowed",
    "The submitted file is empty",
    "No file was submitted",
    "ManagementForm data is missing",
    "Please submit at most",
    "Invalid captcha",
    "Server Error",
    "Bad Request",
    "Forbidden",
    "Traceback",
]
_LANG_FR = re.compile(r'<html[^>]*\blang="fr', re.I)


def clear_limits():
    """Each example starts with no abuse counter: the refusals under test are the forms', not the limiter's."""
    cache.clear()


def check_answer(response, *, counts_before: dict | None = None, counts_after: dict | None = None, label=""):
    """No 500; a French page (or JSON) with no English message; nothing written when the form is shown again."""
    if os.environ.get("HOSTILE_DEBUG"):
        print("HOSTILE", label, response.status_code)
    assert response.status_code < 500, (label, response.status_code)
    ctype = response.get("Content-Type", "")
    body = response.content.decode("utf-8", errors="replace") if not getattr(response, "streaming", False) else ""
    if "text/html" in ctype and body:
        if response.status_code in (200, 400, 403, 404, 405, 410, 413, 429):
            assert _LANG_FR.search(body), (label, response.status_code, body[:300])
        for english in ENGLISH:
            assert english not in body, (label, english)
    if "json" in ctype:
        for english in ENGLISH:
            assert english not in body, (label, english)
    if response.status_code == 200 and counts_before is not None:
        assert counts_after == counts_before, (label, counts_before, counts_after)


def counts(*models) -> dict:
    return {model.__name__: model.objects.count() for model in models}
