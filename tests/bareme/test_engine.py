"""The calculation, to the cent: the published worked examples, a case per rule, each date boundary of the
barème (read from the database, as the simulator and the DI read it)."""

import datetime
from decimal import Decimal

import pytest

from bareme.engine import (
    Contrat,
    Dispositif,
    Salarie,
    calculer,
    calculer_salarie,
    erreurs_salarie,
    format_euros,
    mention_bareme,
)
from bareme.selectors import HorsBareme, bareme_du_mois, dispositifs_en_vigueur

pytestmark = pytest.mark.django_db

D = Decimal


def mois(annee, numero, jour=1):
    return datetime.date(annee, numero, jour)


def calcul(date, salaire, heures, *, duree="35", dispositif="droit_commun", contrat=Contrat.STANDARD):
    bareme = bareme_du_mois(mois=date, dispositif=dispositif)
    return calculer_salarie(bareme, Salarie(D(salaire), D(duree), D(heures), contrat))


# --- The published worked examples ------------------------------------------------------------------------------


def test_ministry_q_r_2020_employee_at_the_smic_three_weeks_closed():
    """10.15 €/h, 105 hours: 70 % = 7.11 < 8.03, so 8.03 €/h; indemnité = allocation = 843.15 €, nothing left to
    pay (ministry Q/R, 2020)."""
    resultat = calcul(mois(2020, 4), "1539.45", "105")

    assert resultat.taux_horaire == D("10.15")
    assert (resultat.indemnite_horaire, resultat.allocation_horaire) == (D("8.03"), D("8.03"))
    assert (resultat.indemnite, resultat.allocation, resultat.reste_a_charge) == (D("843.15"), D("843.15"), D("0"))
    # 7.105 rounds half up to 7.11 (half-even would give 7.10).
    assert "Indemnité horaire : 70 % × 10,15 € = 7,11 € (décret n° 2020-325 du 25 mars 2020)." in resultat.explications
    assert "Plancher de l'allocation appliqué : 8,03 € (décret n° 2020-325 du 25 mars 2020)." in resultat.explications


def test_october_2021_hourly_figures_at_the_smic():
    """The ministry's October 2021 figures for an employee at the SMIC (10.48 €/h): 8.30 € and 7.47 € an hour."""
    resultat = calcul(mois(2021, 10), "1589.48", "151.67")

    assert resultat.taux_horaire == D("10.48")
    assert resultat.indemnite_horaire == D("8.30")
    assert resultat.allocation_horaire == D("7.47")
    assert resultat.indemnite == D("1258.86")  # 8.30 × 151.67 = 1258.861
    assert resultat.allocation == D("1132.97")  # 7.47 × 151.67 = 1132.9749


# --- One case per rule ----------------------------------------------------------------------------------------


def test_monthly_contract_hours_and_the_taux_horaire_de_reference():
    resultat = calcul(mois(2026, 3), "2500", "70")

    assert resultat.heures_mensuelles == D("151.67")
    assert resultat.taux_horaire == D("16.48")
    assert resultat.explications[:2] == (
        "Heures du contrat dans le mois : 35,00 h × 52 ÷ 12 = 151,67 h.",
        "Taux horaire de référence : 2 500,00 € ÷ 151,67 h = 16,48 €.",
    )
    assert (resultat.indemnite_horaire, resultat.allocation_horaire) == (D("9.89"), D("8.57"))
    assert (resultat.indemnite, resultat.allocation, resultat.reste_a_charge) == (D("692.30"), D("599.90"), D("92.40"))


def test_floors_of_the_indemnity_and_the_allocation_in_2026():
    resultat = calcul(mois(2026, 1), "1823.03", "100")

    assert resultat.taux_horaire == D("12.02")
    assert (resultat.indemnite_horaire, resultat.allocation_horaire) == (D("9.52"), D("8.57"))
    assert "Plancher de l'indemnité appliqué : 9,52 € (décret n° 2026-35 du 29 janvier 2026)." in resultat.explications
    assert "Plancher de l'allocation appliqué : 8,57 € (décret n° 2026-35 du 29 janvier 2026)." in resultat.explications


def test_the_cap_of_four_and_a_half_smic():
    resultat = calcul(mois(2026, 1), "10000", "151.67")

    assert resultat.taux_horaire == D("54.09")
    assert (resultat.indemnite_horaire, resultat.allocation_horaire) == (D("32.45"), D("19.47"))
    assert (resultat.indemnite, resultat.allocation) == (D("4921.69"), D("2953.01"))
    assert any(phrase.startswith("Plafond de 4,5 SMIC appliqué : 54,09 €") for phrase in resultat.explications)


def test_part_time_contract():
    resultat = calcul(mois(2026, 2), "1000", "40", duree="20")

    assert resultat.heures_mensuelles == D("86.67")
    assert resultat.taux_horaire == D("11.54")
    assert (resultat.indemnite_horaire, resultat.allocation_horaire) == (D("9.52"), D("8.57"))
    assert (resultat.indemnite, resultat.allocation, resultat.reste_a_charge) == (D("380.80"), D("342.80"), D("38.00"))


@pytest.mark.parametrize(
    ("contrat", "phrase"),
    [
        (Contrat.APPRENTI, "Le plancher de l'allocation ne s'applique pas aux apprentis."),
        (
            Contrat.CONTRAT_PROFESSIONNALISATION,
            "Le plancher de l'allocation ne s'applique pas aux contrats de professionnalisation.",
        ),
    ],
)
def test_apprentice_and_contrat_de_professionnalisation_below_the_floor(contrat, phrase):
    resultat = calcul(mois(2026, 1), "966.20", "100", contrat=contrat)

    assert resultat.taux_horaire == D("6.37")
    assert resultat.indemnite_horaire == D("6.37")  # 100 % of the taux horaire, under the floor
    assert resultat.allocation_horaire == D("2.29")  # 36 %, no floor
    assert (resultat.indemnite, resultat.allocation) == (D("637.00"), D("229.00"))
    assert phrase in resultat.explications
    assert (
        "Taux horaire inférieur au plancher de l'indemnité (9,52 €) : l'indemnité horaire est égale à 100 % du taux "
        "horaire, 6,37 €." in resultat.explications
    )


def test_pay_under_the_floor_the_allocation_never_exceeds_the_indemnity():
    resultat = calcul(mois(2026, 1), "1213.36", "10")  # 8.00 €/h

    assert resultat.indemnite_horaire == D("8.00")
    assert resultat.allocation_horaire == D("8.00")  # the 8.57 floor, brought back to the indemnity
    assert resultat.reste_a_charge == D("0.00")
    assert "L'allocation horaire ne dépasse pas l'indemnité horaire : 8,00 €." in resultat.explications


def test_apld_2026():
    resultat = calcul(mois(2026, 1), "2500", "60", dispositif="apld")
    assert (resultat.indemnite_horaire, resultat.allocation_horaire) == (D("11.54"), D("9.89"))

    au_smic = calcul(mois(2026, 1), "1823.03", "60", dispositif="apld")
    assert (au_smic.indemnite_horaire, au_smic.allocation_horaire) == (D("9.52"), D("9.52"))
    assert au_smic.reste_a_charge == D("0.00")


def test_apld_rebond_and_secteur_protege_rates():
    rebond = bareme_du_mois(mois=mois(2025, 6), dispositif=Dispositif.APLD_REBOND)
    assert (rebond.taux_indemnite, rebond.taux_allocation, rebond.plancher_allocation) == (
        D("0.70"),
        D("0.60"),
        D("9.40"),
    )
    protege = bareme_du_mois(mois=mois(2021, 3), dispositif="secteur_protege")
    assert (protege.taux_indemnite, protege.taux_allocation, protege.plancher_allocation) == (
        D("0.70"),
        D("0.70"),
        D("8.11"),
    )


def test_total_is_the_sum_of_the_rows():
    bareme = bareme_du_mois(mois=mois(2022, 3), dispositif="droit_commun")
    resultat = calculer(
        bareme,
        [
            Salarie(D("2500"), D("35"), D("70")),
            Salarie(D("10000"), D("39"), D("151.67")),
            Salarie(D("900"), D("20"), D("10")),
        ],
    )

    assert resultat.total.indemnite == sum(ligne.indemnite for ligne in resultat.salaries)
    assert resultat.total.allocation == sum(ligne.allocation for ligne in resultat.salaries)
    assert resultat.total.reste_a_charge == resultat.total.indemnite - resultat.total.allocation
    assert calculer(bareme, []).total.indemnite == D("0")


# --- Each date boundary ---------------------------------------------------------------------------------------


def test_29_february_2020_is_refused_1_march_2020_is_the_first_month():
    with pytest.raises(HorsBareme) as refus:
        bareme_du_mois(mois=mois(2020, 2, 29), dispositif="droit_commun")
    assert refus.value.champ == "mois"
    assert "mars 2020" in refus.value.message
    assert dispositifs_en_vigueur(mois=mois(2020, 2, 29)) == []

    bareme = bareme_du_mois(mois=mois(2020, 3, 1), dispositif="droit_commun")
    assert (bareme.taux_indemnite, bareme.taux_allocation, bareme.plancher_allocation) == (
        D("0.70"),
        D("0.70"),
        D("8.03"),
    )
    assert bareme.smic_horaire == D("10.15")
    assert bareme.quota_annuel_heures == 1607
    assert dispositifs_en_vigueur(mois=mois(2020, 3)) == [Dispositif.DROIT_COMMUN]


def test_31_may_2020_and_1_june_2020():
    assert bareme_du_mois(mois=mois(2020, 5, 31), dispositif="droit_commun").taux_allocation == D("0.70")
    assert bareme_du_mois(mois=mois(2020, 6, 1), dispositif="droit_commun").taux_allocation == D("0.60")
    # The secteurs protégés' taux majoré starts in June 2020 (before, the droit commun was already at 70 %).
    with pytest.raises(HorsBareme) as refus:
        bareme_du_mois(mois=mois(2020, 5, 31), dispositif="secteur_protege")
    assert (refus.value.champ, refus.value.message) == ("dispositif", "Ce dispositif n'est pas en vigueur en mai 2020.")
    assert bareme_du_mois(mois=mois(2020, 6, 1), dispositif="secteur_protege").taux_allocation == D("0.70")


def test_30_june_2021_and_1_july_2021():
    juin = bareme_du_mois(mois=mois(2021, 6, 30), dispositif="droit_commun")
    juillet = bareme_du_mois(mois=mois(2021, 7, 1), dispositif="droit_commun")

    assert (juin.taux_indemnite, juin.taux_allocation) == (D("0.70"), D("0.52"))
    assert juin.plancher_allocation == D("8.11")  # down to 7.30 on 1 July 2021, with the 36 %
    assert (juillet.taux_indemnite, juillet.taux_allocation) == (D("0.60"), D("0.36"))
    assert (juillet.plancher_indemnite, juillet.plancher_allocation) == (D("8.11"), D("7.30"))
    # The same employee, one month apart.
    assert calcul(mois(2021, 6), "2500", "100").indemnite_horaire == D("11.54")  # 70 % of 16.48
    assert calcul(mois(2021, 7), "2500", "100").indemnite_horaire == D("9.89")  # 60 %


def test_31_december_2025_and_1_january_2026():
    decembre = bareme_du_mois(mois=mois(2025, 12, 31), dispositif="droit_commun")
    janvier = bareme_du_mois(mois=mois(2026, 1, 1), dispositif="droit_commun")

    assert (decembre.smic_horaire, decembre.plafond_horaire) == (D("11.88"), D("53.46"))
    assert (decembre.plancher_indemnite, decembre.plancher_allocation) == (D("9.40"), D("8.46"))
    assert (janvier.smic_horaire, janvier.plafond_horaire) == (D("12.02"), D("54.09"))
    assert (janvier.plancher_indemnite, janvier.plancher_allocation) == (D("9.52"), D("8.57"))
    assert janvier.en_vigueur_au == datetime.date(2026, 1, 1)
    assert not janvier.apres_dernier_texte


def test_after_the_last_known_text_the_last_values_apply():
    bareme = bareme_du_mois(mois=mois(2026, 11, 15), dispositif="droit_commun")

    assert bareme.mois == mois(2026, 11)
    assert bareme.apres_dernier_texte
    assert bareme.en_vigueur_au == datetime.date(2026, 1, 1)
    assert bareme.plancher_allocation == D("8.57")
    assert "Décret n° 2026-35 du 29 janvier 2026" in [source.reference for source in bareme.sources]
    assert mention_bareme(bareme) == (
        "Barème en vigueur au 1er janvier 2026 : aucun texte plus récent n'est connu, ses valeurs s'appliquent à "
        "novembre 2026."
    )
    assert mention_bareme(bareme_du_mois(mois=mois(2021, 7), dispositif="droit_commun")) == (
        "Barème en vigueur au 1er juillet 2021."
    )


@pytest.mark.parametrize(
    ("dispositif", "refuse", "accepte"),
    [
        ("apld", mois(2020, 7), mois(2020, 8)),  # décret 2020-926 in force on 31 July 2020
        ("apld_rebond", mois(2025, 4), mois(2025, 5)),  # décret 2025-338 in force on 16 April 2025
    ],
)
def test_apld_starts_on_the_first_month_after_its_decret(dispositif, refuse, accepte):
    assert Dispositif(dispositif) not in dispositifs_en_vigueur(mois=refuse)
    with pytest.raises(HorsBareme):
        bareme_du_mois(mois=refuse, dispositif=dispositif)
    assert Dispositif(dispositif) in dispositifs_en_vigueur(mois=accepte)
    assert bareme_du_mois(mois=accepte, dispositif=dispositif).taux_allocation == D("0.60")


def test_secteurs_proteges_end_in_july_2022_apld_at_the_end_of_2026():
    assert Dispositif.SECTEUR_PROTEGE in dispositifs_en_vigueur(mois=mois(2022, 7))
    assert Dispositif.SECTEUR_PROTEGE not in dispositifs_en_vigueur(mois=mois(2022, 8))
    assert dispositifs_en_vigueur(mois=mois(2026, 12)) == [
        Dispositif.DROIT_COMMUN,
        Dispositif.APLD,
        Dispositif.APLD_REBOND,
    ]
    assert dispositifs_en_vigueur(mois=mois(2027, 1)) == [Dispositif.DROIT_COMMUN]


def test_quota_of_hours_1607_in_2020_and_2021_then_1000():
    assert bareme_du_mois(mois=mois(2021, 12), dispositif="droit_commun").quota_annuel_heures == 1607
    assert bareme_du_mois(mois=mois(2022, 1), dispositif="droit_commun").quota_annuel_heures == 1000


def test_an_unknown_dispositif_is_refused():
    with pytest.raises(HorsBareme) as refus:
        bareme_du_mois(mois=mois(2026, 1), dispositif="chomage_technique")
    assert refus.value.champ == "dispositif"


# --- What cannot be computed ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("salarie", "champ", "message"),
    [
        (Salarie(D("0"), D("35"), D("10")), "salaire_brut_mensuel", "Le salaire brut mensuel doit être positif."),
        (Salarie(D("-5"), D("35"), D("10")), "salaire_brut_mensuel", "Le salaire brut mensuel doit être positif."),
        (
            Salarie(D("2500.123"), D("35"), D("10")),
            "salaire_brut_mensuel",
            "Le salaire brut mensuel s'écrit avec deux décimales au plus.",
        ),
        (
            Salarie(D("2500"), D("0"), D("10")),
            "duree_hebdomadaire",
            "La durée hebdomadaire du contrat doit être comprise entre 0 et 48 heures.",
        ),
        (
            Salarie(D("2500"), D("50"), D("10")),
            "duree_hebdomadaire",
            "La durée hebdomadaire du contrat doit être comprise entre 0 et 48 heures.",
        ),
        (
            Salarie(D("2500"), D("35"), D("-1")),
            "heures_chomees",
            "Les heures chômées doivent être un nombre positif ou nul.",
        ),
        (
            Salarie(D("2500"), D("35"), D("151.68")),
            "heures_chomees",
            "Les heures chômées ne peuvent pas dépasser les heures du contrat dans le mois (151,67 h).",
        ),
        (
            Salarie(D("1000"), D("20"), D("90")),
            "heures_chomees",
            "Les heures chômées ne peuvent pas dépasser les heures du contrat dans le mois (86,67 h).",
        ),
        (
            Salarie(D("2800"), D("39"), D("160")),
            "heures_chomees",
            "Au-delà de la durée légale (151,67 h par mois), les heures chômées ne sont pas indemnisées.",
        ),
        (
            Salarie(D("2500"), D("35"), D("10"), "interim"),
            "contrat",
            "Choisissez le type de contrat : CDI / CDD, Apprenti, Contrat de professionnalisation.",
        ),
    ],
)
def test_each_wrong_figure_has_its_french_message(salarie, champ, message):
    assert erreurs_salarie(salarie) == {champ: message}
    bareme = bareme_du_mois(mois=mois(2026, 1), dispositif="droit_commun")
    with pytest.raises(ValueError):
        calculer_salarie(bareme, salarie)


def test_a_longer_contract_is_indemnified_up_to_the_legal_duration():
    resultat = calcul(mois(2026, 1), "3000", "151.67", duree="39")

    assert resultat.heures_mensuelles == D("169.00")
    assert resultat.taux_horaire == D("17.75")  # 3000 / 169
    assert resultat.indemnite == D("1615.29")  # 10.65 × 151.67 = 1615.2855


def test_format_euros():
    assert format_euros(D("1234.56")) == "1 234,56 €"
    assert format_euros(D("1234567.8")) == "1 234 567,80 €"
    assert format_euros(D("0.005")) == "0,01 €"
    assert format_euros(D("0")) == "0,00 €"


def test_de_mois_elides_before_a_vowel():
    from bareme.engine import format_de_mois

    assert format_de_mois(mois(2026, 3)) == "de mars 2026"
    assert [format_de_mois(mois(2026, n)) for n in (4, 8, 10)] == ["d'avril 2026", "d'août 2026", "d'octobre 2026"]
