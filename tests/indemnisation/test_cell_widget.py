"""The saisie's text cells are written in Python (indemnisation.forms.CellTextInput): the same HTML as Django's
template-rendered TextInput, for every value a user can type and the attributes an error adds."""

import pytest
from django import forms

from indemnisation.forms import CellTextInput, SalarieForm

ATTRS = {"class": "fr-input", "inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"}


@pytest.mark.parametrize(
    "value",
    [None, "", "1 900,50", "DUPONT", '"><script>alert(1)</script>', "L'Haÿ & <Cie>", "12\u00a0345", 35, "é" * 300],
)
@pytest.mark.parametrize(
    "extra",
    [{}, {"aria-invalid": "true", "aria-describedby": "id_form-0-nom-error", "class": "fr-input fr-input--error"},
     {"required": True, "disabled": False, "id": "id_form-3-nir"}],
)  # fmt: skip
def test_same_html_as_django_text_input(value, extra):
    attrs = {**ATTRS, **extra}
    expected = forms.TextInput(attrs=ATTRS).render("form-0-nom", value, attrs=attrs)
    assert CellTextInput(attrs=ATTRS).render("form-0-nom", value, attrs=attrs) == expected


def test_the_row_renders_as_before():
    """A bound row with an error: each text cell the same as with Django's TextInput."""
    form = SalarieForm(data={"nom": "<b>X</b>", "nir": "1 85 05", "heures_chomees": "30,5"}, prefix="form-0")
    for name in ("nom", "prenom", "nir", "duree_hebdomadaire", "salaire_brut_mensuel", "heures_chomees"):
        field = form.fields[name]
        bound = form[name]
        reference = forms.TextInput(attrs=field.widget.attrs)
        expected = reference.render(bound.html_name, bound.value(), attrs={"id": bound.auto_id})
        assert str(bound) == expected
