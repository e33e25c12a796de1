"""The DI's rules and life through its services: each check with its message, the amounts from the barème engine
(its own worked examples, through a DI), frozen when sent, the guarded transitions, their history and e-mails."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apart.outbox.models import OutboxEmail
from audit.models import StaffAction
from bareme.engine import Contrat, format_mois
from bareme.services import valeur_bareme_ajouter
from indemnisation import checks, services
from indemnisation.enums import Controle, Statut
from indemnisation.models import DemandeIndemnisation, DemandeIndemnisationHistorique
from indemnisation.selectors import decision_for_code
from tests.factories import UserFactory
from tests.indemnisation.helpers import (
    last_month,
    make_decision,
    make_di,
    make_employer,
    make_nir,
    make_sent_di,
    row,
)

pytestmark = pytest.mark.django_db

D = Decimal


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def employer():
    return make_employer()


@pytest.fixture
def decision(employer):
    establishment, user = employer
    return make_decision(establishment, user)


def _history(demande):
    return list(DemandeIndemnisationHistorique.objects.filter(demande=demande).values_list("to_statut", flat=True))


# --- The amounts: the engine's worked examples through a DI --------------------------------------------------------


@pytest.mark.parametrize(
    ("mois", "salaire", "heures", "duree", "contrat", "dispositif", "indemnite", "allocation"),
    [
        # Ministry Q/R 2020: 10.15 €/h, 105 h → 8.03 €/h both, 843.15 €.
        (datetime.date(2020, 4, 1), "1539.45", "105", "35", Contrat.STANDARD, "droit_commun", "843.15", "843.15"),
        # October 2021, an employee at the SMIC: 8.30 and 7.47 €/h.
        (datetime.date(2021, 10, 1), "1589.48", "151.67", "35", Contrat.STANDARD, "droit_commun", "1258.86", "1132.97"),
        (datetime.date(2026, 3, 1), "2500", "70", "35", Contrat.STANDARD, "droit_commun", "692.30", "599.90"),
        # The cap of 4.5 SMIC.
        (datetime.date(2026, 1, 1), "10000", "151.67", "35", Contrat.STANDARD, "droit_commun", "4921.69", "2953.01"),
        (datetime.date(2026, 2, 1), "1000", "40", "20", Contrat.STANDARD, "droit_commun", "380.80", "342.80"),
        (datetime.date(2026, 1, 1), "966.20", "100", "35", Contrat.APPRENTI, "droit_commun", "637.00", "229.00"),
    ],
)
def test_the_engine_examples_give_the_same_amounts_through_a_sent_di(
    employer, mois, salaire, heures, duree, contrat, dispositif, indemnite, allocation
):
    establishment, user = employer
    fin = checks.mois_suivant(mois) - datetime.timedelta(days=1)
    decision = make_decision(establishment, user, debut=mois, fin=fin)
    sent_on = checks.mois_suivant(mois) + datetime.timedelta(days=3)
    demande = services.demande_create(by=user, decision=decision, mois=mois, dispositif=dispositif, today=sent_on)
    rows = [
        row(0, salaire_brut_mensuel=salaire, heures_chomees=heures, duree_hebdomadaire=duree, contrat=contrat),
        row(1, salaire_brut_mensuel="2500", heures_chomees="10"),
    ]
    services.demande_calculate(demande=demande, by=user, rows=rows)
    demande = services.demande_send(demande=demande, by=user, now=at(sent_on))

    first, second = demande.salaries.order_by("position")
    assert (first.indemnite, first.allocation) == (D(indemnite), D(allocation))
    assert first.reste_a_charge == D(indemnite) - D(allocation)
    demande.refresh_from_db()
    assert demande.statut == Statut.ENVOYEE
    assert demande.total_indemnite == first.indemnite + second.indemnite
    assert demande.total_allocation == first.allocation + second.allocation
    assert demande.total_heures == D(heures) + 10


def test_amounts_are_frozen_when_sent_and_a_provisoire_di_follows_the_barème(employer):
    establishment, user = employer
    mois = datetime.date(2026, 3, 1)
    decision = make_decision(establishment, user, debut=mois, fin=datetime.date(2026, 4, 30))
    today = datetime.date(2026, 5, 4)
    sent = services.demande_create(by=user, decision=decision, mois=mois, today=today)
    services.demande_calculate(
        demande=sent, by=user, rows=[row(0, salaire_brut_mensuel="1823.03", heures_chomees="100")]
    )
    services.demande_send(demande=sent, by=user, now=at(today))
    draft = services.demande_create(by=user, decision=decision, mois=datetime.date(2026, 4, 1), today=today)
    assert sent.salaries.get().allocation == D("857.00")  # the 8.57 € floor × 100 h

    # A new floor for March 2026 is published after the DI was sent.
    valeur_bareme_ajouter(
        nom="plancher_allocation",
        dispositif="",
        date_effet=datetime.date(2026, 3, 1),
        valeur=D("9.00"),
        source_reference="Décret de test",
        by=None,
    )

    sent.refresh_from_db()
    assert sent.salaries.get().allocation == D("857.00")
    assert sent.total_allocation == D("857.00")
    with pytest.raises(services.ActionRefusee):
        services.demande_calculate(demande=sent, by=user, rows=[row(0)])
    services.demande_calculate(
        demande=draft, by=user, rows=[row(0, salaire_brut_mensuel="1823.03", heures_chomees="100")]
    )
    assert draft.salaries.get().allocation == D("900.00")


# --- The rows ------------------------------------------------------------------------------------------------------


def test_rows_are_checked_with_a_message_by_field_and_nothing_is_written(decision, employer):
    _, user = employer
    demande = make_di(decision, user, rows=[row(0)])
    rows = [
        row(0),
        row(1, nir="185057511111199"),
        row(2, nir=make_nir(0)),
        row(3, nom="", heures_chomees="abc"),
        row(4, heures_chomees="160"),
        row(5, duree_hebdomadaire="39", heures_chomees="160"),
        row(6, contrat="intérimaire"),
        row(7, nir="1 85 05"),
    ]

    with pytest.raises(services.DemandeInvalide) as refused:
        services.demande_calculate(demande=demande, by=user, rows=rows)

    assert refused.value.lignes == {
        1: {"nir": checks.NIR_CLE_INVALIDE},
        2: {"nir": "Ce NIR figure déjà à la ligne 1 de la demande."},
        3: {"nom": "Le nom est obligatoire.", "heures_chomees": "Saisissez un nombre (par exemple 151,67)."},
        4: {
            "heures_chomees": "Les heures chômées ne peuvent pas dépasser les heures du contrat dans le mois (151,67 h)."
        },
        5: {
            "heures_chomees": "Au-delà de la durée légale (151,67 h par mois), les heures chômées ne sont pas indemnisées."
        },
        6: {"contrat": checks.CONTRAT_INVALIDE},
        7: {"nir": checks.NIR_INVALIDE},
    }
    assert demande.salaries.count() == 1
    assert DemandeIndemnisation.objects.get(pk=demande.pk).nb_salaries == 1


def test_numbers_are_read_the_french_way_and_nir_spaces_are_removed(decision, employer):
    _, user = employer
    nir = make_nir(7)
    spaced = f"{nir[0]} {nir[1:3]} {nir[3:5]} {nir[5:7]} {nir[7:10]} {nir[10:13]} {nir[13:]}"
    demande = make_di(
        decision,
        user,
        rows=[row(0, nir=spaced, salaire_brut_mensuel="2 500,00 €", heures_chomees="70,0", contrat="CDI / CDD")],
    )

    salarie = demande.salaries.get()
    assert salarie.nir == nir
    assert (salarie.salaire_brut_mensuel, salarie.heures_chomees) == (D("2500.00"), D("70.00"))
    assert salarie.contrat == Contrat.STANDARD


def test_a_di_needs_an_employee(decision, employer):
    _, user = employer
    demande = services.demande_create(by=user, decision=decision, mois=last_month())

    with pytest.raises(services.DemandeInvalide) as refused:
        services.demande_calculate(demande=demande, by=user, rows=[])
    assert refused.value.erreurs == {"__all__": "Ajoutez au moins un salarié à la demande."}
    with pytest.raises(services.DemandeInvalide):
        services.demande_send(demande=demande, by=user)
    services.demande_calculate(demande=demande, by=user, rows=[row(0, heures_chomees="0")])
    with pytest.raises(services.DemandeInvalide) as refused:
        services.demande_send(demande=demande, by=user)
    assert refused.value.erreurs == {
        "__all__": "Aucune heure chômée n'est déclarée : la demande ne peut pas être envoyée."
    }


# --- The month -----------------------------------------------------------------------------------------------------


def test_the_month_must_be_in_the_authorised_period_prepared_from_its_first_day_and_filed_within_six_months(employer):
    establishment, user = employer
    decision = make_decision(establishment, user, debut=datetime.date(2026, 2, 10), fin=datetime.date(2026, 4, 15))

    def refusal(mois, today):
        with pytest.raises(services.DemandeInvalide) as refused:
            services.demande_create(by=user, decision=decision, mois=mois, today=today)
        return refused.value.erreurs["mois"]

    assert refusal(datetime.date(2026, 1, 1), datetime.date(2026, 5, 1)) == (
        "Le mois doit être compris dans la période autorisée par la décision (du 10/02/2026 au 15/04/2026)."
    )
    assert refusal(datetime.date(2026, 4, 1), datetime.date(2026, 3, 31)) == (
        "La demande d'avril 2026 pourra être préparée à partir du 01/04/2026."
    )
    assert refusal(datetime.date(2026, 4, 1), datetime.date(2026, 10, 16)) == (
        "Le dépôt des demandes d'indemnisation de cette décision est clos depuis le 15/10/2026 (6 mois après la fin "
        "de la période autorisée)."
    )
    # The last day of the filing and the first day of the month are open; the month is sent once it is over.
    services.demande_create(
        by=user, decision=decision, mois=datetime.date(2026, 2, 20), today=datetime.date(2026, 10, 15)
    )
    april = services.demande_create(
        by=user, decision=decision, mois=datetime.date(2026, 4, 1), today=datetime.date(2026, 4, 1)
    )
    services.demande_calculate(demande=april, by=user, rows=[row(0)])
    with pytest.raises(services.DemandeInvalide) as refused:
        services.demande_send(demande=april, by=user, now=at(datetime.date(2026, 4, 30), 23))
    assert refused.value.erreurs == {
        "mois": "Le mois d'avril 2026 n'est pas terminé : la demande pourra être envoyée à partir du 01/05/2026."
    }
    assert services.demande_send(demande=april, by=user, now=at(datetime.date(2026, 5, 1), 8)).statut == Statut.ENVOYEE


def test_one_di_per_decision_and_month(decision, employer):
    _, user = employer
    first = make_di(decision, user)

    with pytest.raises(services.DemandeInvalide) as refused:
        services.demande_create(by=user, decision=decision, mois=last_month() + datetime.timedelta(days=5))
    assert refused.value.erreurs == {"mois": f"Une demande d'indemnisation existe déjà pour ce mois ({first.numero})."}


# --- Against the other DIs -----------------------------------------------------------------------------------------


def test_the_decisions_hours_are_shared_by_its_dis(employer):
    establishment, user = employer
    decision = make_decision(establishment, user, heures=D("100"))
    make_sent_di(decision, user, mois=checks.mois_precedent(last_month()), heures_par_nir={make_nir(50): D("70")})
    demande = make_di(decision, user, rows=[row(0, heures_chomees="20"), row(1, heures_chomees="10.5")])

    with pytest.raises(services.DemandeInvalide) as refused:
        services.demande_send(demande=demande, by=user)

    assert refused.value.erreurs == {
        "__all__": "Le total des heures chômées (30,50 h) dépasse les heures autorisées restantes de la décision "
        "(30,00 h sur 100,00 h autorisées)."
    }
    services.demande_calculate(
        demande=demande, by=user, rows=[row(0, heures_chomees="20"), row(1, heures_chomees="10")]
    )
    assert services.demande_send(demande=demande, by=user).statut == Statut.ENVOYEE


@pytest.mark.parametrize(("annee", "quota"), [(2026, 1000), (2021, 1607)])
def test_each_employee_stays_within_the_annual_quota_of_the_establishment(employer, annee, quota):
    establishment, user = employer
    mois = datetime.date(annee, 11, 1)
    decision = make_decision(establishment, user, debut=datetime.date(annee, 1, 1), fin=datetime.date(annee, 11, 30))
    earlier = make_decision(establishment, user, debut=datetime.date(annee, 1, 1), fin=datetime.date(annee, 1, 31))
    nir = make_nir(0)
    make_sent_di(earlier, user, mois=datetime.date(annee, 1, 1), heures_par_nir={nir: D(quota - 20)})
    # The year before does not count.
    last_year = make_decision(
        establishment, user, debut=datetime.date(annee - 1, 12, 1), fin=datetime.date(annee - 1, 12, 31)
    )
    make_sent_di(last_year, user, mois=datetime.date(annee - 1, 12, 1), heures_par_nir={nir: D(150)})
    today = datetime.date(annee, 12, 3)
    demande = services.demande_create(by=user, decision=decision, mois=mois, today=today)
    services.demande_calculate(demande=demande, by=user, rows=[row(0, heures_chomees="20.5"), row(1)])

    with pytest.raises(services.DemandeInvalide) as refused:
        services.demande_send(demande=demande, by=user, now=at(today))

    deja = f"{quota - 20:,}".replace(",", " ")
    assert refused.value.lignes == {
        0: {
            "heures_chomees": f"Ce salarié dépasse le contingent annuel de {quota} heures en {annee} : {deja},00 h "
            "déjà demandées, 20,50 h dans cette demande."
        }
    }
    services.demande_calculate(demande=demande, by=user, rows=[row(0, heures_chomees="20"), row(1)])
    demande = services.demande_send(demande=demande, by=user, now=at(today))
    assert demande.statut == Statut.ENVOYEE
    assert [controle["code"] for controle in demande.controles] == [Controle.QUOTA_PROCHE]


def test_an_employees_month_is_not_claimed_twice_through_two_decisions(employer):
    establishment, user = employer
    from tests.factories import EstablishmentFactory, HabilitationFactory

    sister = EstablishmentFactory(complete=True, siret=establishment.siren + "00099")
    HabilitationFactory(user=user, establishment=sister)
    other = make_decision(sister, user)
    make_sent_di(other, user, mois=last_month(), heures_par_nir={make_nir(1): D(10)})
    demande = make_di(make_decision(establishment, user), user, rows=[row(0), row(1)])

    with pytest.raises(services.DemandeInvalide) as refused:
        services.demande_send(demande=demande, by=user)

    mois = format_mois(last_month())
    assert refused.value.lignes == {
        1: {"nir": f"Les heures de ce salarié pour {mois} sont déjà demandées au titre d'une autre décision."}
    }


# --- Who may --------------------------------------------------------------------------------------------------------


def test_a_code_di_of_another_establishment_is_not_found_like_an_unknown_one(decision, employer):
    _, user = employer
    stranger = UserFactory()

    assert decision_for_code(user=user, code=decision.code_di_affiche.lower()) == decision
    assert decision_for_code(user=stranger, code=decision.code_di) is None
    assert decision_for_code(user=user, code="ZZZZZZZZZZ") is None
    with pytest.raises(services.ActionRefusee):
        services.demande_create(by=stranger, decision=decision, mois=last_month())


def test_an_establishment_not_yet_verified_prepares_but_does_not_send():
    establishment, user = make_employer(verified=False)
    demande = make_di(make_decision(establishment, user), user)

    with pytest.raises(services.ActionRefusee) as refused:
        services.demande_send(demande=demande, by=user)

    assert "n'est pas encore vérifié" in refused.value.reason
    assert DemandeIndemnisation.objects.get(pk=demande.pk).statut == Statut.PROVISOIRE


# --- The statuses ---------------------------------------------------------------------------------------------------


def test_the_life_of_a_di_with_its_history_and_an_email_at_each_change(decision, employer):
    establishment, user = employer
    agent = UserFactory()
    demande = make_di(decision, user, rows=[row(0), row(1, heures_chomees="35,5")])
    assert demande.statut == Statut.PROVISOIRE
    assert (demande.nb_salaries, demande.total_heures) == (2, D("55.50"))

    demande = services.demande_send(demande=demande, by=user)
    assert services.demande_validate(demande=demande, by=agent).statut == Statut.VALIDEE
    # Guarded: validating or invalidating again changes nothing.
    assert services.demande_validate(demande=demande, by=agent).statut == Statut.VALIDEE
    assert services.demande_invalidate(demande=demande, by=agent, motif="Trop tard").statut == Statut.VALIDEE
    assert services.demande_delete(demande=demande, by=user) is False

    assert _history(demande) == [Statut.PROVISOIRE, Statut.ENVOYEE, Statut.VALIDEE]
    emails = OutboxEmail.objects.filter(kind="di_statut").order_by("id")
    assert [(email.to, email.subject) for email in emails] == [
        (
            establishment.contact_courriel,
            f"Demande d'indemnisation {demande.numero} ({format_mois(last_month())}) : envoyée",
        ),
        (user.courriel, f"Demande d'indemnisation {demande.numero} ({format_mois(last_month())}) : envoyée"),
        (
            establishment.contact_courriel,
            f"Demande d'indemnisation {demande.numero} ({format_mois(last_month())}) : validée",
        ),
        (user.courriel, f"Demande d'indemnisation {demande.numero} ({format_mois(last_month())}) : validée"),
    ]


def test_an_invalidated_di_is_corrected_and_sent_again(decision, employer):
    establishment, user = employer
    agent = UserFactory()
    demande = make_di(decision, user, send=True)

    with pytest.raises(services.DemandeInvalide) as refused:
        services.demande_invalidate(demande=demande, by=agent, motif="  ")
    assert refused.value.erreurs == {"motif": "Le motif de l'invalidation est obligatoire."}

    demande = services.demande_invalidate(demande=demande, by=agent, motif="Le NIR de la ligne 1 est inconnu.")
    assert demande.statut == Statut.INVALIDEE
    body = OutboxEmail.objects.filter(kind="di_statut", to=establishment.contact_courriel).latest("id").body_text
    assert "Le NIR de la ligne 1 est inconnu." in body
    assert services.demande_delete(demande=demande, by=user) is False

    services.demande_calculate(demande=demande, by=user, rows=[row(0, heures_chomees="12")])
    demande = services.demande_send(demande=demande, by=user)
    assert demande.statut == Statut.ENVOYEE
    assert demande.motif_invalidation == ""
    assert demande.total_heures == D("12.00")
    assert _history(demande) == [Statut.PROVISOIRE, Statut.ENVOYEE, Statut.INVALIDEE, Statut.ENVOYEE]


def test_staff_put_back_a_di_rejected_by_mistake_with_an_audit_row(decision, employer):
    _, user = employer
    agent, staff = UserFactory(), UserFactory(is_staff=True)
    demande = make_di(decision, user, send=True)
    services.demande_invalidate(demande=demande, by=agent, motif="Rejet automatique")

    demande = services.demande_reinstate(demande=demande, by=staff, motif="Incident technique du 27/11")

    assert demande.statut == Statut.ENVOYEE
    assert demande.motif_invalidation == ""
    row_ = StaffAction.objects.get(action="di_reinstate")
    assert (row_.actor, row_.siret) == (staff, demande.establishment.siret)
    assert "Incident technique du 27/11" in row_.summary
    # A DI that is not invalidated is left as it is, without an audit row.
    assert services.demande_reinstate(demande=demande, by=staff, motif="Encore").statut == Statut.ENVOYEE
    assert StaffAction.objects.filter(action="di_reinstate").count() == 1


def test_a_provisoire_di_is_deleted_and_its_month_is_free_again(decision, employer):
    _, user = employer
    demande = make_di(decision, user)

    assert services.demande_delete(demande=demande, by=user) is True
    assert not DemandeIndemnisation.objects.exists()
    make_di(decision, user)


def test_the_previous_months_rows_are_copied(decision, employer):
    _, user = employer
    make_di(decision, user, mois=checks.mois_precedent(last_month()), rows=[row(0), row(1, heures_chomees="7")])
    demande = services.demande_create(by=user, decision=decision, mois=last_month())

    demande = services.demande_copy_previous(demande=demande, by=user)

    assert list(demande.salaries.values_list("nom", "heures_chomees")) == [("NOM0", D("20.00")), ("NOM1", D("7.00"))]


def test_without_a_previous_month_nothing_is_copied():
    establishment, user = make_employer()
    demande = services.demande_create(by=user, decision=make_decision(establishment, user), mois=last_month())

    with pytest.raises(services.DemandeInvalide) as refused:
        services.demande_copy_previous(demande=demande, by=user)
    assert refused.value.erreurs == {
        "__all__": "Aucune demande d'indemnisation du mois précédent n'a de salariés à recopier."
    }


def test_controls_flag_hours_above_the_forecast_and_pay_above_the_cap(employer):
    establishment, user = employer
    decision = make_decision(establishment, user, heures=D("60"), nb_salaries=1)
    demande = make_di(
        decision, user, rows=[row(0, heures_chomees="20", salaire_brut_mensuel="10000"), row(1, heures_chomees="10")]
    )

    demande = services.demande_send(demande=demande, by=user)

    codes = [controle["code"] for controle in demande.controles]
    assert codes == [Controle.HEURES_PREVISION, Controle.SALARIES_AUTORISES, Controle.TAUX_PLAFOND]
    assert demande.controles[0]["detail"] == (
        "30,00 h demandées pour une prévision de 20,00 h par mois (60,00 h sur 3 mois)."
    )
    assert demande.controles[2]["detail"].startswith("1 salarié(s) au-delà du plafond de 54,09 € de l'heure")
