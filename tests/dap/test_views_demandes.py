"""The employer's DAP pages: the list, the form (ENREGISTRER / ENVOYER, every check next to its field), a DAP's
page and its actions (delete, withdraw, complément, avenant), and nobody else's DAP."""

import datetime
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dap import checks
from dap.enums import Motif, Statut
from dap.files import TYPE_REFUSE
from dap.models import DemandeAutorisation, DemandeHistorique, PieceJointe
from dap.perms import FICHE_INCOMPLETE
from dap.services import demande_request_complement
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory, two_factor_login

from .conftest import BIC, IBAN, days, make_demande, valid_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def employer_client(client, employer):
    client.force_login(employer)
    return client


def post_data(action="enregistrer", **overrides) -> dict:
    data = valid_data(**overrides)
    posted = {}
    for key, value in data.items():
        if isinstance(value, datetime.date):
            value = value.isoformat()
        posted[key] = "" if value is None else str(value)
    posted["action"] = action
    return posted


def error_of(html: str, field: str) -> str:
    """The error text shown next to a field (includes/field.html: a block id="id_<field>-error")."""
    match = re.search(rf'id="id_{field}-error"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no error block for {field}"
    return unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def text(response) -> str:
    return unescape(response.content.decode())


# --- The list ---------------------------------------------------------------------------------------------------


def test_the_list_shows_the_users_daps_and_not_another_users(employer_client, employer, establishment):
    mine = make_demande(establishment, employer, debut=days(1), fin=days(10))
    other_establishment = EstablishmentFactory(complete=True)
    other = make_demande(other_establishment, UserFactory(), debut=days(1), fin=days(10))

    html = text(employer_client.get(reverse("dap:list")))

    assert "Mes Demandes d'Autorisation Préalable" in html
    assert mine.numero in html
    assert other.numero not in html
    assert 'href="/espace/dap/nouvelle/"' in html and "Créer une nouvelle demande" in html


def test_the_list_filters_by_establishment_status_and_period(employer_client, employer, establishment):
    second = EstablishmentFactory(complete=True)
    HabilitationFactory(user=employer, establishment=second)
    a = make_demande(establishment, employer, statut=Statut.ENVOYEE, debut=days(1), fin=days(10))
    b = make_demande(second, employer, statut=Statut.PROVISOIRE, debut=days(40), fin=days(50))

    by_establishment = text(employer_client.get(reverse("dap:list"), {"etablissement": second.siret}))
    by_statut = text(employer_client.get(reverse("dap:list"), {"statut": Statut.ENVOYEE}))
    by_period = text(employer_client.get(reverse("dap:list"), {"du": days(35).isoformat(), "au": days(60).isoformat()}))
    by_french_period = text(employer_client.get(reverse("dap:list"), {"du": days(35).strftime("%d/%m/%Y")}))

    assert b.numero in by_establishment and a.numero not in by_establishment
    assert f'<option value="{second.siret}" selected>' in by_establishment
    assert a.numero in by_statut and b.numero not in by_statut
    assert b.numero in by_period and a.numero not in by_period
    assert b.numero in by_french_period and a.numero not in by_french_period


def test_the_list_is_paginated(employer_client, employer, establishment):
    for _n in range(25):
        make_demande(establishment, employer, statut=Statut.RETIREE, debut=days(1), fin=days(2))

    first = text(employer_client.get(reverse("dap:list")))
    second = text(employer_client.get(reverse("dap:list"), {"page": 2, "statut": Statut.RETIREE}))

    assert "25 demandes" in first
    assert "Page 1 sur 2" in first
    assert first.count('href="/espace/dap/DAP-TEST-') == 20
    assert second.count('href="/espace/dap/DAP-TEST-') == 5
    assert "Page 2 sur 2" in second and "?statut=retiree&page=1" in second


def test_the_list_of_an_expert_comptable_with_500_establishments_has_a_bounded_query_count(
    client, django_assert_max_num_queries
):
    user = UserFactory()
    establishments = EstablishmentFactory.create_batch(500, complete=True)
    for establishment in establishments:
        HabilitationFactory(user=user, establishment=establishment)
    for establishment in establishments[:30]:
        make_demande(establishment, user, statut=Statut.ENVOYEE, debut=days(1), fin=days(5))
    two_factor_login(client, user)  # more than 50 establishments: the double authentification is required
    client.get(reverse("espace:home"))  # the session's once-only checks (the two-factor rule) are not the list's

    with django_assert_max_num_queries(12):
        response = client.get(reverse("dap:list"))

    assert response.status_code == 200
    assert "30 demandes" in text(response)


# --- The form ---------------------------------------------------------------------------------------------------


def test_an_incomplete_fiche_refuses_the_form_with_the_seeds_reason_and_a_link(client):
    user = UserFactory()
    establishment = EstablishmentFactory()  # not complete
    HabilitationFactory(user=user, establishment=establishment)
    client.force_login(user)

    response = client.get(reverse("dap:new"))

    html = text(response)
    assert FICHE_INCOMPLETE in html
    assert f'href="/espace/etablissements/{establishment.siret}/"' in html
    assert 'name="motif"' not in html


def test_the_form_shows_every_field_of_the_issue(employer_client):
    html = text(employer_client.get(reverse("dap:new")))

    for label in (
        "Motif de recours",
        "Sous-motif",
        "Circonstances détaillées",
        "Date de début",
        "Date de fin",
        "Nombre de salariés concernés",
        "Nombre d'heures chômées prévisionnelles",
        "Type d'activité partielle",
        "Date de consultation du CSE",
        "Engagements",
        "IBAN",
        "BIC",
        "Titulaire du compte",
        "Pièces jointes",
    ):
        assert label in html, label
    for motif in Motif.labels:
        assert motif in html
    for wording in ("Coronavirus", "Conséquences du conflit en Ukraine", "Réduction d'activité"):
        assert wording in html
    assert "Suspension d'activité — fermeture totale" in html
    assert 'type="date" name="date_debut"' in html
    assert ">ENREGISTRER</button>" in html and ">ENVOYER</button>" in html
    assert 'name="etablissement"' not in html  # one establishment: no choice


def test_enregistrer_keeps_the_dap_provisoire(employer_client, establishment):
    response = employer_client.post(reverse("dap:new"), post_data("enregistrer"))

    demande = DemandeAutorisation.objects.get()
    assert response.status_code == 302 and response.url == reverse("dap:detail", args=[demande.numero])
    assert demande.statut == Statut.PROVISOIRE and demande.establishment == establishment
    assert "reste provisoire" in text(employer_client.get(response.url))


def test_envoyer_sends_the_dap_to_the_ud_with_its_accuse(employer_client):
    response = employer_client.post(reverse("dap:new"), post_data("envoyer"))

    demande = DemandeAutorisation.objects.get()
    assert demande.statut == Statut.ENVOYEE
    html = text(employer_client.get(response.url))
    assert demande.accuse_numero in html
    assert "Envoyée à l'UD" in html
    assert demande.implicit_acceptance_on.strftime("%d/%m/%Y") in html


def test_dates_typed_the_french_way_are_accepted(employer_client):
    employer_client.post(
        reverse("dap:new"),
        post_data(date_debut=days(1).strftime("%d/%m/%Y"), date_fin=days(14).strftime("%d/%m/%Y")),
    )

    demande = DemandeAutorisation.objects.get()
    assert (demande.date_debut, demande.date_fin) == (days(1), days(14))


def test_a_non_verifie_establishment_keeps_the_dap_provisoire_and_says_how_to_verify(client):
    user = UserFactory()
    establishment = EstablishmentFactory(complete=True, unverified=True)
    HabilitationFactory(user=user, establishment=establishment)
    client.force_login(user)

    response = client.post(reverse("dap:new"), post_data("envoyer"), follow=True)

    demande = DemandeAutorisation.objects.get()
    assert demande.statut == Statut.PROVISOIRE
    html = text(response)
    assert "n'a pas été envoyée" in html
    assert "Saisir le code d'activation" in html
    assert f'href="/espace/etablissements/{establishment.siret}/code-activation/"' in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"date_fin": days(-1).isoformat(), "date_debut": days(1).isoformat()}, "date_fin", checks.FIN_AVANT_DEBUT),
        ({"date_debut": days(-2).isoformat()}, "date_debut", checks.DEBUT_PASSE),
        ({"nb_salaries": "13"}, "nb_salaries", checks.SALARIES_EFFECTIF.format(effectif=12)),
        ({"circonstances": "x" * 2001}, "circonstances", checks.CIRCONSTANCES_TROP_LONGUES),
        ({"motif": Motif.AUTRE, "sous_motif": ""}, "sous_motif", checks.SOUS_MOTIF_REQUIS),
        ({"iban": "FR7630006000011234567890180"}, "iban", checks.IBAN_INVALIDE),
        ({"bic": "AGRI"}, "bic", checks.BIC_INVALIDE),
        ({"heures_previsionnelles": "351"}, "heures_previsionnelles", "ne peut pas dépasser 350,00 h"),
        ({"date_fin": days(100).isoformat()}, "date_fin", "ne peut pas dépasser 3 mois"),
        ({"titulaire": ""}, "titulaire", checks.REQUIRED),
        ({"date_debut": "31/02/2026"}, "date_debut", "Saisissez une date valide"),
    ],
)
def test_each_check_shows_its_message_next_to_its_field_and_keeps_the_typing(
    employer_client, overrides, field, message
):
    data = post_data("envoyer")
    data.update(overrides)
    data["circonstances"] = overrides.get("circonstances", "Texte tapé par l'employeur")

    response = employer_client.post(reverse("dap:new"), data)

    assert response.status_code == 200
    html = text(response)
    assert message in error_of(html, field)
    assert "Texte tapé par l'employeur" in html or field == "circonstances"
    assert f'value="{data["bic"]}"' in html
    assert DemandeAutorisation.objects.count() == 0


def test_an_overlapping_dap_is_refused_next_to_the_start_date(employer_client, employer, establishment):
    other = make_demande(establishment, employer, debut=days(5), fin=days(20))

    html = text(employer_client.post(reverse("dap:new"), post_data("envoyer")))

    assert other.numero in error_of(html, "date_debut")


def test_a_fake_pdf_is_refused_next_to_the_pieces_jointes(employer_client):
    data = post_data()
    data["pieces_jointes"] = SimpleUploadedFile("avis.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")

    html = text(employer_client.post(reverse("dap:new"), data))

    assert TYPE_REFUSE.format(nom="avis.pdf") in error_of(html, "pieces_jointes")
    assert DemandeAutorisation.objects.count() == 0 and PieceJointe.objects.count() == 0


def test_a_real_pdf_is_attached(employer_client):
    data = post_data()
    data["pieces_jointes"] = [
        SimpleUploadedFile("avis.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, content_type="image/png"),
    ]

    response = employer_client.post(reverse("dap:new"), data, follow=True)

    assert sorted(PieceJointe.objects.values_list("nom", flat=True)) == ["avis.pdf", "scan.png"]
    assert "avis.pdf" in text(response)


def test_a_user_with_several_establishments_chooses_one(employer_client, employer):
    second = EstablishmentFactory(complete=True, effectif=30)
    HabilitationFactory(user=employer, establishment=second)

    assert 'name="etablissement"' in text(employer_client.get(reverse("dap:new")))
    missing = post_data()
    employer_client.post(reverse("dap:new"), {**missing, "etablissement": second.siret})

    assert DemandeAutorisation.objects.get().establishment == second


def test_the_form_refuses_an_establishment_the_user_does_not_hold(employer_client, employer):
    HabilitationFactory(user=employer, establishment=EstablishmentFactory(complete=True))
    foreign = EstablishmentFactory(complete=True)

    html = text(employer_client.post(reverse("dap:new"), {**post_data(), "etablissement": foreign.siret}))

    assert checks.CHOIX_INVALIDE in error_of(html, "etablissement")
    assert DemandeAutorisation.objects.count() == 0


# --- A DAP's page and its actions -------------------------------------------------------------------------------


def test_another_users_dap_is_a_404_on_every_page(employer_client):
    other = make_demande(
        EstablishmentFactory(complete=True), UserFactory(), statut=Statut.PROVISOIRE, debut=days(1), fin=days(5)
    )

    for name in ("detail", "edit", "avenant", "delete", "withdraw"):
        assert employer_client.get(reverse(f"dap:{name}", args=[other.numero])).status_code == 404
    for name in ("send", "delete", "withdraw", "complement"):
        assert employer_client.post(reverse(f"dap:{name}", args=[other.numero])).status_code == 404
    assert DemandeAutorisation.objects.get(pk=other.pk).statut == Statut.PROVISOIRE


def test_the_detail_shows_the_dap_its_history_and_the_assistance_link(employer_client):
    employer_client.post(reverse("dap:new"), post_data("envoyer"))
    demande = DemandeAutorisation.objects.get()

    html = text(employer_client.get(reverse("dap:detail", args=[demande.numero])))

    assert "La conjoncture économique" in html
    assert "Baisse brutale des commandes" in html
    assert "Historique" in html and "Création" in html and demande.accuse_numero in html
    assert f'href="/besoin-d-aide/assistance/?motif=dap&reference={demande.numero}"' in html
    assert "Besoin d'aide sur cette demande ?" in html
    assert "Retirer la demande" in html and "Supprimer la demande" not in html


def test_edit_changes_a_provisoire_dap(employer_client):
    employer_client.post(reverse("dap:new"), post_data())
    demande = DemandeAutorisation.objects.get()

    employer_client.post(reverse("dap:edit", args=[demande.numero]), post_data(nb_salaries=7))

    demande.refresh_from_db()
    assert demande.nb_salaries == 7 and demande.statut == Statut.PROVISOIRE


def test_delete_removes_a_provisoire_dap_only(employer_client, employer, establishment):
    employer_client.post(reverse("dap:new"), post_data())
    demande = DemandeAutorisation.objects.get()
    sent = make_demande(establishment, employer, debut=days(30), fin=days(40))

    response = employer_client.post(reverse("dap:delete", args=[demande.numero]), follow=True)
    employer_client.post(reverse("dap:delete", args=[sent.numero]))

    assert not DemandeAutorisation.objects.filter(pk=demande.pk).exists()
    assert f"La demande {demande.numero} est supprimée." in text(response)
    assert DemandeAutorisation.objects.filter(pk=sent.pk).exists()


def test_withdraw_before_the_decision(employer_client, employer, establishment):
    sent = make_demande(establishment, employer, debut=days(1), fin=days(10))
    accepted = make_demande(establishment, employer, statut=Statut.ACCEPTEE, debut=days(20), fin=days(25))

    response = employer_client.post(reverse("dap:withdraw", args=[sent.numero]), follow=True)
    late = employer_client.post(reverse("dap:withdraw", args=[accepted.numero]), follow=True)

    sent.refresh_from_db()
    accepted.refresh_from_db()
    assert sent.statut == Statut.RETIREE and "est retirée" in text(response)
    assert accepted.statut == Statut.ACCEPTEE and "ne peut plus être retirée" in text(late)
    assert DemandeHistorique.objects.filter(demande=sent, to_statut=Statut.RETIREE).exists()


def test_posts_need_the_csrf_token(client, employer, establishment):
    from django.test import Client

    sent = make_demande(establishment, employer, debut=days(1), fin=days(10))
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(employer)

    assert csrf_client.post(reverse("dap:withdraw", args=[sent.numero])).status_code == 403
    sent.refresh_from_db()
    assert sent.statut == Statut.ENVOYEE


def test_the_employer_answers_a_complement(employer_client, employer, establishment, ud_agent):
    sent = make_demande(establishment, employer, debut=days(1), fin=days(10))
    demande_request_complement(demande=sent, by=ud_agent, message="Joignez l'avis du CSE.")

    page = text(employer_client.get(reverse("dap:detail", args=[sent.numero])))
    empty = text(employer_client.post(reverse("dap:complement", args=[sent.numero]), {"reponse": ""}))
    employer_client.post(
        reverse("dap:complement", args=[sent.numero]),
        {"reponse": "Voici l'avis.", "pieces_jointes": SimpleUploadedFile("avis.pdf", PDF)},
    )

    assert "Joignez l'avis du CSE." in page
    assert "La réponse à la demande de complément est obligatoire." in error_of(empty, "reponse")
    sent.refresh_from_db()
    assert sent.statut == Statut.ENVOYEE
    assert sent.pieces_jointes.get().nom == "avis.pdf"


def test_an_accepted_dap_gets_an_avenant(employer_client, employer, establishment):
    accepted = make_demande(establishment, employer, statut=Statut.ACCEPTEE, debut=days(1), fin=days(14))

    page = text(employer_client.get(reverse("dap:detail", args=[accepted.numero])))
    unchanged = text(employer_client.post(reverse("dap:avenant", args=[accepted.numero]), {}))
    response = employer_client.post(
        reverse("dap:avenant", args=[accepted.numero]), {"date_fin": days(21).strftime("%d/%m/%Y")}
    )

    assert "Demander un avenant" in page
    assert "L'avenant doit modifier" in error_of(unchanged, "date_fin")
    avenant = DemandeAutorisation.objects.get(parent=accepted)
    assert response.url == reverse("dap:detail", args=[avenant.numero])
    assert avenant.date_fin == days(21) and avenant.statut == Statut.PROVISOIRE


def test_the_home_card_is_live_with_the_latest_daps(employer_client, employer, establishment):
    demande = make_demande(establishment, employer, debut=days(1), fin=days(10))

    html = text(employer_client.get(reverse("espace:home")))
    card = html[html.index('id="mes-dap"') : html.index('id="mes-decisions"')]

    assert "Bientôt disponible" not in card
    assert 'href="/espace/dap/nouvelle/"' in card and 'href="/espace/dap/"' in card
    assert demande.numero in card


def test_iban_and_bic_come_prefilled_from_the_fiche(employer_client, establishment):
    from habilitations.models import BankDetails

    BankDetails.objects.create(establishment=establishment, iban=IBAN, bic=BIC, titulaire="ATELIERS")

    html = text(employer_client.get(reverse("dap:new")))

    assert f'value="{IBAN}"' in html and 'value="ATELIERS"' in html


def test_a_provisoire_dap_is_sent_from_its_page_and_no_longer_edited(employer_client):
    employer_client.post(reverse("dap:new"), post_data())
    demande = DemandeAutorisation.objects.get()

    page = text(employer_client.get(reverse("dap:detail", args=[demande.numero])))
    employer_client.post(reverse("dap:send", args=[demande.numero]))
    again = employer_client.post(reverse("dap:edit", args=[demande.numero]), post_data(nb_salaries=9))

    assert "Modifier la demande" in page and "Supprimer la demande" in page
    demande.refresh_from_db()
    assert demande.statut == Statut.ENVOYEE and demande.nb_salaries == 5
    assert again.status_code == 302 and again.url == reverse("dap:detail", args=[demande.numero])


def test_the_cse_date_follows_a_sent_dap_for_a_sinistre(employer_client, employer, establishment):
    sent = make_demande(establishment, employer, motif=Motif.SINISTRE, debut=days(1), fin=days(10))
    conjoncture = make_demande(establishment, employer, debut=days(20), fin=days(25))

    assert "Transmettre la date de consultation du CSE" in text(
        employer_client.get(reverse("dap:detail", args=[sent.numero]))
    )
    assert "Transmettre la date de consultation du CSE" not in text(
        employer_client.get(reverse("dap:detail", args=[conjoncture.numero]))
    )
    future = text(employer_client.post(reverse("dap:cse", args=[sent.numero]), {"date_consultation_cse": days(3)}))
    employer_client.post(reverse("dap:cse", args=[sent.numero]), {"date_consultation_cse": days(0).isoformat()})

    assert "ne peut pas être postérieure à la date du jour" in error_of(future, "date_consultation_cse")
    sent.refresh_from_db()
    assert sent.date_consultation_cse == days(0)


def test_the_establishment_options_are_escaped(employer_client, employer):
    HabilitationFactory(user=employer, establishment=EstablishmentFactory(denomination="<b>SARL</b> & FILS"))

    html = employer_client.get(reverse("dap:list")).content.decode()

    assert "&lt;b&gt;SARL&lt;/b&gt; &amp; FILS" in html and "<b>SARL</b>" not in html


def test_choosing_an_establishment_whose_fiche_is_incomplete_is_refused_next_to_the_choice(employer_client, employer):
    incomplete = EstablishmentFactory()
    HabilitationFactory(user=employer, establishment=incomplete)

    html = text(employer_client.post(reverse("dap:new"), {**post_data(), "etablissement": incomplete.siret}))

    assert FICHE_INCOMPLETE in error_of(html, "etablissement")
    assert DemandeAutorisation.objects.count() == 0


def test_withdraw_and_delete_are_confirmed_on_a_page_first(employer_client, employer, establishment):
    sent = make_demande(establishment, employer, debut=days(1), fin=days(10))

    page = text(employer_client.get(reverse("dap:withdraw", args=[sent.numero])))

    assert f"Retirer la demande {sent.numero} ?" in page
    assert f'action="/espace/dap/{sent.numero}/retirer/"' in page
    sent.refresh_from_db()
    assert sent.statut == Statut.ENVOYEE


def test_the_cse_date_is_required_next_to_its_field_from_50_employees(employer_client, establishment):
    establishment.effectif = 60
    establishment.save()

    html = text(employer_client.post(reverse("dap:new"), post_data("envoyer")))

    assert checks.CSE_REQUIS in error_of(html, "date_consultation_cse")


def test_the_engagements_are_required_after_an_authorisation_in_36_months(employer_client, employer, establishment):
    make_demande(establishment, employer, statut=Statut.ACCEPTEE, debut=days(-200), fin=days(-180))

    html = text(employer_client.post(reverse("dap:new"), post_data("envoyer")))

    assert checks.ENGAGEMENTS_REQUIS in error_of(html, "engagements")


def test_the_new_dap_starts_on_a_complete_establishment_when_the_current_one_is_incomplete(client):
    user = UserFactory(identifiant="claire.lambert")
    incomplete = EstablishmentFactory(denomination="CLIENT INCOMPLET", complete=False)
    complete = EstablishmentFactory(denomination="CLIENT COMPLET", complete=True)
    HabilitationFactory(user=user, establishment=incomplete)
    HabilitationFactory(user=user, establishment=complete)
    client.force_login(user)
    client.get(reverse("espace:establishment", args=[incomplete.siret]))  # the last one opened

    response = client.get(reverse("dap:new"))

    page = response.content.decode()
    assert "Motif de recours" in page and "Votre fiche établissement est incomplète" not in page
    assert f'value="{complete.pk}" selected' in page or f'value="{complete.siret}" selected' in page
