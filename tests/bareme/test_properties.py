"""Properties of the calculation on any figures the forms accept, for every month and dispositif (hypothesis)."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bareme.engine import Contrat, Salarie, calculer, calculer_salarie, erreurs_salarie, heures_mensuelles
from bareme.selectors import bareme_hors_base, dispositifs_en_vigueur, dispositifs_hors_base
from bareme.services import lire_fichier_bareme

# The data file's barème, without the database (the same rows the database is loaded with): hypothesis runs
# hundreds of examples, each must not need a transaction.
LIGNES = [
    (
        ligne["nom"],
        ligne["dispositif"],
        ligne["date_effet"],
        ligne["valeur"],
        ligne["source_reference"],
        ligne["source_url"],
    )
    for ligne in lire_fichier_bareme()
]
MOIS = [datetime.date(2020 + (m // 12), m % 12 + 1, 1) for m in range(2, 12 * 7)]  # March 2020 – December 2026


def _baremes():
    tous = []
    for mois in MOIS:
        for dispositif in _dispositifs(mois):
            tous.append(bareme_hors_base(LIGNES, mois=mois, dispositif=dispositif))
    return tous


def _dispositifs(mois):
    return dispositifs_hors_base(LIGNES, mois=mois)


BAREMES = _baremes()

cents = st.integers(min_value=1, max_value=5_000_000).map(lambda n: Decimal(n) / 100)
durees = st.integers(min_value=100, max_value=4800).map(lambda n: Decimal(n) / 100)
contrats = st.sampled_from(list(Contrat))


@st.composite
def salaries(draw, duree=None):
    duree = duree if duree is not None else draw(durees)
    plafond_heures = min(heures_mensuelles(duree), heures_mensuelles(Decimal(35)))
    heures = Decimal(draw(st.integers(min_value=0, max_value=int(plafond_heures * 100)))) / 100
    return Salarie(draw(cents), duree, heures, draw(contrats))


reglages = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@reglages
@given(bareme=st.sampled_from(BAREMES), salarie=salaries())
def test_allocation_never_above_the_indemnity_and_both_not_negative(bareme, salarie):
    assert erreurs_salarie(salarie) == {}
    resultat = calculer_salarie(bareme, salarie)

    assert Decimal(0) <= resultat.allocation_horaire <= resultat.indemnite_horaire
    assert Decimal(0) <= resultat.allocation <= resultat.indemnite
    assert resultat.reste_a_charge == resultat.indemnite - resultat.allocation >= 0
    assert resultat.taux_horaire <= bareme.plafond_horaire
    for montant in (resultat.indemnite, resultat.allocation, resultat.indemnite_horaire, resultat.taux_horaire):
        assert montant == montant.quantize(Decimal("0.01"))


@reglages
@given(
    bareme=st.sampled_from(BAREMES),
    duree=durees,
    contrat=contrats,
    salaire_bas=cents,
    hausse=st.integers(min_value=0, max_value=1_000_000).map(lambda n: Decimal(n) / 100),
    data=st.data(),
)
def test_monotonic_in_salary(bareme, duree, contrat, salaire_bas, hausse, data):
    """A higher salary never gives less, up to the cap, where it stops changing anything."""
    heures = data.draw(salaries(duree=duree)).heures_chomees
    bas = calculer_salarie(bareme, Salarie(salaire_bas, duree, heures, contrat))
    haut = calculer_salarie(bareme, Salarie(salaire_bas + hausse, duree, heures, contrat))

    assert haut.taux_horaire >= bas.taux_horaire
    assert haut.indemnite_horaire >= bas.indemnite_horaire
    assert haut.allocation_horaire >= bas.allocation_horaire
    assert haut.indemnite >= bas.indemnite
    assert haut.allocation >= bas.allocation
    if bas.taux_horaire == bareme.plafond_horaire:
        assert (haut.indemnite, haut.allocation) == (bas.indemnite, bas.allocation)


@reglages
@given(bareme=st.sampled_from(BAREMES), lignes=st.lists(salaries(), max_size=30))
def test_the_total_is_the_sum_of_the_rows(bareme, lignes):
    resultat = calculer(bareme, lignes)

    assert len(resultat.salaries) == len(lignes)
    assert resultat.total.indemnite == sum((ligne.indemnite for ligne in resultat.salaries), Decimal(0))
    assert resultat.total.allocation == sum((ligne.allocation for ligne in resultat.salaries), Decimal(0))
    assert resultat.total.reste_a_charge == resultat.total.indemnite - resultat.total.allocation


@pytest.mark.django_db
def test_the_database_and_the_file_give_the_same_bareme():
    from bareme.selectors import bareme_du_mois

    for mois in MOIS[::5]:
        assert dispositifs_en_vigueur(mois=mois) == _dispositifs(mois)
        for dispositif in _dispositifs(mois):
            assert bareme_du_mois(mois=mois, dispositif=dispositif) == bareme_hors_base(
                LIGNES, mois=mois, dispositif=dispositif
            )
