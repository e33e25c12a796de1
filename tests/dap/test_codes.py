"""The code DI: unique, typable (no ambiguous character), and a typo is caught by its check character."""

import re

import pytest
from django.db import IntegrityError
from hypothesis import given
from hypothesis import strategies as st

from dap.codes import CODE_DI_ALPHABET, code_di_est_valide, code_di_normalise, code_di_nouveau
from dap.models import CODE_DI_REGEX, Decision
from dap.services import demande_accept, demande_save, demande_send

from .conftest import days, valid_data


def test_the_alphabet_has_no_ambiguous_character():
    assert not set("01OILU") & set(CODE_DI_ALPHABET)
    assert len(set(CODE_DI_ALPHABET)) == len(CODE_DI_ALPHABET) == 30
    assert all(re.fullmatch(CODE_DI_REGEX, ch * 10) for ch in CODE_DI_ALPHABET)


def test_codes_are_unique_and_valid():
    codes = [code_di_nouveau() for _ in range(20_000)]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(CODE_DI_REGEX, code) and code_di_est_valide(code) for code in codes)


@given(st.data())
def test_one_character_typed_wrong_is_caught(data):
    code = code_di_nouveau()
    position = data.draw(st.integers(0, len(code) - 1))
    wrong = data.draw(st.sampled_from([ch for ch in CODE_DI_ALPHABET if ch != code[position]]))
    assert not code_di_est_valide(code[:position] + wrong + code[position + 1 :])


@given(st.data())
def test_two_neighbours_swapped_are_caught(data):
    code = code_di_nouveau()
    position = data.draw(st.integers(0, len(code) - 2))
    pair = {code[position], code[position + 1]}
    # Luhn's one blind spot: the first and last characters of the alphabet swapped (as 09 ↔ 90 in base 10).
    if len(pair) == 1 or pair == {CODE_DI_ALPHABET[0], CODE_DI_ALPHABET[-1]}:
        return
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    assert not code_di_est_valide(swapped)


def test_a_code_typed_with_spaces_dashes_or_lower_case_is_read():
    code = code_di_nouveau()
    typed = f" {code[:5].lower()}-{code[5:]} "
    assert code_di_normalise(typed) == code and code_di_est_valide(typed)


@pytest.mark.django_db
def test_the_database_refuses_a_second_decision_with_the_same_code(employer, establishment, ud_agent):
    decisions = []
    for start in (1, 20):
        demande = demande_save(
            by=employer,
            establishment=establishment,
            data=valid_data(date_debut=days(start), date_fin=days(start + 5), engagements="Maintien dans l'emploi"),
        )
        demande_send(demande=demande, by=employer)
        decisions.append(
            demande_accept(
                demande=demande, by=ud_agent, heures_autorisees="10", date_debut=days(start), date_fin=days(start + 5)
            )
        )
    assert decisions[0].code_di != decisions[1].code_di
    with pytest.raises(IntegrityError):
        Decision.objects.filter(pk=decisions[1].pk).update(code_di=decisions[0].code_di)
