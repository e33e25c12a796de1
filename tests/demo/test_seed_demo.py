"""`seed_demo`, the data set of `make run`: one account per role, as the README states them."""

import io
from base64 import b32decode

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django_otp.oath import totp

from accounts.models import User
from habilitations.models import ActivationLetter, Establishment, Habilitation
from habilitations.services import activation_letter_code

pytestmark = pytest.mark.django_db

# The README's table of demo accounts (the last: whether the login asks the code of the demo key).
DEMO_TOTP_KEY = "APARTDEMOAPARTDEMOAPARTDEMOAPART"
ACCOUNTS = [
    ("gerard.menuca", "Demo-APART-2026;", ["ATELIERS MENUCA", "Non vérifié"], False),
    (
        "claire.lambert",
        "Demo-APART-2026;",
        ["BOULANGERIE AU PAIN DORE", "Mon portefeuille", "304 établissements"],
        True,
    ),
]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Run once for the module (the codes postaux make it slow), twice to prove it idempotent; rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def test_running_it_twice_creates_each_account_and_establishment_once(seeded):
    assert User.objects.filter(identifiant__in=["admin", "gerard.menuca", "claire.lambert", "agent.ud75"]).count() == 4
    assert Establishment.objects.count() == 7 + 300  # the expert-comptable's 300 clients
    assert ActivationLetter.objects.count() == 1
    assert Habilitation.objects.filter(user__identifiant="claire.lambert").count() == 4 + 300


@pytest.mark.parametrize(("identifiant", "password", "names", "with_code"), ACCOUNTS)
def test_each_demo_account_logs_in_and_sees_its_establishments(client, seeded, identifiant, password, names, with_code):
    response = client.post(reverse("espace:login"), {"username": identifiant, "password": password})

    if with_code:  # the expert-comptable's many establishments: her second factor, the README's demo key
        assert response.url == reverse("accounts:two_factor_verify")
        code = totp(b32decode(DEMO_TOTP_KEY))
        response = client.post(reverse("accounts:two_factor_verify"), {"code": f"{code:06d}"})
    assert response.status_code == 302 and response.url == reverse("espace:home")
    html = client.get(reverse("espace:home")).content.decode()
    for name in names:
        assert name in html


def test_the_fiches_marked_complete_name_their_holder_as_contact(seeded):
    fiche = Establishment.objects.get(siret="41729318000010")
    assert (fiche.fiche_complete, fiche.contact_nom, fiche.contact_courriel) == (
        True,
        "Lambert",
        "claire.lambert@cabinet-lambert.example",
    )
    assert not Establishment.objects.get(siret="82650391400010").fiche_complete


def test_the_staff_account_reaches_the_admin(client, seeded):
    client.post(reverse("admin:login"), {"username": "admin", "password": "Admin-APART-2026;"})
    # The README's demo key, in any authenticator app.
    code = totp(b32decode("APARTDEMOAPARTDEMOAPARTDEMOAPART"))
    client.post(reverse("accounts:two_factor_verify"), {"code": f"{code:06d}"})

    assert client.get(reverse("admin:index")).status_code == 200


def test_the_ud_agent_logs_in_with_the_demo_key_and_lands_on_instruction(client, seeded):
    from instruction.models import AgentUD
    from referentiels.departements import departement_of

    response = client.post(reverse("espace:login"), {"username": "agent.ud75", "password": "Agent-APART-2026;"})
    assert response.url == reverse("accounts:two_factor_verify")
    code = totp(b32decode("APARTDEMOAPARTDEMOAPARTDEMOAPART"))  # the README's demo key
    response = client.post(reverse("accounts:two_factor_verify"), {"code": f"{code:06d}"})

    assert response.url == reverse("instruction:home")
    html = client.get(reverse("instruction:home")).content.decode()
    assert "75 — Paris" in html and "92 — Hauts-de-Seine" in html
    # The agent instructs the département of the demo employer's complete establishment.
    agent = AgentUD.objects.get(user__identifiant="agent.ud75")
    employer_paris = Establishment.objects.get(siret="73282932000074")
    assert departement_of(employer_paris.code_postal) in agent.departement_codes
    assert not agent.user.is_staff


def test_the_staff_roles_are_there_for_the_agents_a_superuser_creates(seeded):
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {"Agent ASP", "Superviseur ASP", "Agent UD"}
    assert Group.objects.get(name="Agent ASP").permissions.filter(codename="approve_accountrequest").exists()


def test_the_demo_employer_has_verifie_establishments_and_one_non_verifie_with_a_known_code(seeded):
    from demo.management.commands.seed_demo import DEMO_ACTIVATION_CODE, EMPLOYER_SIRETS, EMPLOYER_UNVERIFIED_SIRET

    assert all(establishment.is_verified for establishment in Establishment.objects.filter(siret__in=EMPLOYER_SIRETS))
    unverified = Establishment.objects.get(siret=EMPLOYER_UNVERIFIED_SIRET)
    assert not unverified.is_verified
    [letter] = ActivationLetter.objects.filter(establishment=unverified, user__identifiant="gerard.menuca")
    assert activation_letter_code(letter) == DEMO_ACTIVATION_CODE
    assert unverified.fiche_updated_by == letter.user  # his claim: he sees its contact details


def test_the_demo_employer_has_an_accepted_dap_with_its_decision_and_one_waiting_for_the_demo_agent(client, seeded):
    from dap.codes import code_di_est_valide
    from dap.enums import ModeDecision, Statut
    from dap.models import Decision, DemandeAutorisation
    from instruction.models import AgentUD
    from referentiels.departements import departement_of

    establishment = Establishment.objects.get(siret="73282932000074", denomination="ATELIERS MENUCA")
    # Seeded twice: still one of each, through the services (accusé de réception, history, décision).
    demandes = DemandeAutorisation.objects.filter(establishment=establishment)
    assert sorted(demandes.values_list("statut", flat=True)) == sorted([Statut.ACCEPTEE, Statut.ENVOYEE])
    [decision] = Decision.objects.filter(demande__establishment=establishment)
    assert decision.mode == ModeDecision.EXPRESSE and decision.issued_by.identifiant == "agent.ud75"
    assert code_di_est_valide(decision.code_di)
    waiting = demandes.get(statut=Statut.ENVOYEE)
    assert waiting.accuse_numero and waiting.implicit_acceptance_on
    agent = AgentUD.objects.get(user__identifiant="agent.ud75")
    assert departement_of(establishment.code_postal) in agent.departement_codes

    client.post(reverse("espace:login"), {"username": "gerard.menuca", "password": "Demo-APART-2026;"})
    html = client.get(reverse("dap:decision", args=[decision.numero])).content.decode()
    assert decision.code_di in html and "ATELIERS MENUCA" in html


def test_the_demo_decision_lets_the_employer_send_last_months_di_at_once(seeded):
    """The README's walk: the demo décision covers the previous month, over, so its DI can be sent now."""
    from dap.models import Decision
    from indemnisation import services
    from indemnisation.checks import mois_precedent
    from indemnisation.enums import Statut
    from tests.indemnisation.helpers import row, this_month

    decision = Decision.objects.get(demande__establishment__siret="73282932000074")
    employer = User.objects.get(identifiant="gerard.menuca")
    assert decision.date_debut == mois_precedent(this_month())

    with transaction.atomic():
        demande = services.demande_create(by=employer, decision=decision, mois=decision.date_debut)
        services.demande_calculate(demande=demande, by=employer, rows=[row(0), row(1)])
        assert services.demande_send(demande=demande, by=employer).statut == Statut.ENVOYEE
        transaction.set_rollback(True)


def test_the_demo_expert_comptable_has_a_portfolio_of_300_clients_with_something_due(client, seeded):
    """The README's walk: claire.lambert finds the establishments whose DI is due this month, those waiting for the
    UD, the incomplete fiches and the habilitations to renew."""
    from dap.models import DemandeAutorisation
    from demo.portfolio import portfolio_siret
    from espace.selectors import portfolio_counts
    from indemnisation.models import DemandeIndemnisation
    from referentiels.validators import validate_siret

    expert = User.objects.get(identifiant="claire.lambert")
    counts = portfolio_counts(user=expert)
    assert counts["total"] == 304
    assert counts["di"] == 100 - 25  # every 3rd client, less every 12th whose DI is already sent
    assert counts["dap"] == 42 - 14  # every 7th, less the multiples of 21 (accepted)
    assert counts["fiche"] == 31  # every 10th client, and one of her 4 own
    assert counts["habilitation"] == 15  # every 20th
    assert DemandeIndemnisation.objects.filter(establishment__siret__startswith="99").count() == 25
    assert DemandeAutorisation.objects.filter(numero__startswith="DAP-DEMO-").count() == 100 + 28
    for number in (1, 150, 300):
        validate_siret(portfolio_siret(number))
    [client_001] = Establishment.objects.filter(siret=portfolio_siret(1))
    assert client_001.denomination.startswith("CLIENT 001 — ") and client_001.fiche_complete

    client.post(reverse("espace:login"), {"username": "claire.lambert", "password": "Demo-APART-2026;"})
    client.post(reverse("accounts:two_factor_verify"), {"code": f"{totp(b32decode(DEMO_TOTP_KEY)):06d}"})
    response = client.get(reverse("espace:establishments"), {"filtre": "di", "tri": "di"})
    assert response.context["page"].paginator.count == 75
    assert all(row.di_a_deposer == 1 for row in response.context["page"].object_list)


def test_the_demo_expert_comptable_habilitates_the_50_sirets_of_the_demo_csv(
    seeded, django_capture_on_commit_callbacks
):
    """The README's walk: `demo/data/habilitations_en_masse_demo.csv` through « Demande d'habilitation en masse »."""
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from habilitations.enums import HabilitationBatchResult, HabilitationBatchStatus
    from habilitations.services import habilitation_batch_submit

    expert = User.objects.get(identifiant="claire.lambert")
    data = (Path(__file__).resolve().parents[2] / "demo" / "data" / "habilitations_en_masse_demo.csv").read_bytes()
    with transaction.atomic():
        with django_capture_on_commit_callbacks(execute=True):
            batch = habilitation_batch_submit(
                user=expert, fichier=SimpleUploadedFile("clients.csv", data, content_type="text/csv")
            )
        batch.refresh_from_db()
        assert batch.status == HabilitationBatchStatus.DONE and batch.total == 50
        assert set(batch.lines.values_list("result", flat=True)) == {HabilitationBatchResult.CREATED}
        assert Habilitation.objects.filter(user=expert, establishment__siren="881234561").count() == 50
        transaction.set_rollback(True)
