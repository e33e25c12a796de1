"""`python manage.py seed_demo`: the demo data set of `make run` (idempotent)."""

import datetime
from base64 import b32decode
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import staff_roles_sync, user_create
from accounts.two_factor import demo_device_set
from dap.enums import Motif, TypeActivite
from dap.models import DemandeAutorisation
from dap.services import demande_accept, demande_save, demande_send
from demo.portfolio import expert_portfolio_seed
from habilitations.models import ActivationLetter, Establishment
from habilitations.selectors import establishment_fields_from_sirene
from habilitations.services import (
    activation_letter_issue,
    establishment_create,
    establishment_verify,
    habilitation_grant,
)
from instruction.models import AgentUD
from instruction.services import agent_create, agent_departements_set
from portal.models import Announcement
from referentiels.codes_postaux import codes_postaux_load
from referentiels.models import CodePostalCommune
from referentiels.selectors import sirene_etablissement_get
from referentiels.sirene_import import sirene_import

DEMO_DIR = Path(__file__).resolve().parents[2] / "data"

ANNOUNCEMENT = (
    "Un incident technique s'est produit sur l'extranet activité partielle hier. Celui-ci a pu entraîner, par "
    "erreur, un rejet de votre demande d'indemnisation. Les opérations de correction sont en cours et l'ensemble "
    "des demandes concernées seront régularisées dans la journée de manière à ce que le versement de "
    "l'indemnisation soit assuré."
)

# Stated in README.md: keep both in step.
STAFF = {"identifiant": "admin", "password": "Admin-APART-2026;", "courriel": "admin@asp-public.example"}
# The double authentification of the demo staff account: a published key (README), typed into any authenticator
# app. Demo data only: a real account enrols with a key of its own.
STAFF_TOTP_KEY = "APARTDEMOAPARTDEMOAPARTDEMOAPART"
EMPLOYER = {
    "identifiant": "gerard.menuca",
    "password": "Demo-APART-2026;",
    "courriel": "gerard.menuca@example.fr",
    "nom": "Menuça",
    "prenom": "Gérard",
    "telephone": "0102030405",
    "secret_question": "Quel est le nom de votre premier animal de compagnie ?",
    "secret_answer": "Rex",
}
# Each SIRET with whether its fiche établissement is complete: the space shows both states.
EMPLOYER_DAP_SIRET = "73282932000074"  # ATELIERS MENUCA, Paris 11e: complete, vérifié, instructed by agent.ud75
EMPLOYER_SIRETS = {"73282932000074": True, "73282932000041": False}
EXPERT = {
    "identifiant": "claire.lambert",
    "password": "Demo-APART-2026;",
    "courriel": "claire.lambert@cabinet-lambert.example",
    "nom": "Lambert",
    "prenom": "Claire",
    "telephone": "0388000000",
    "secret_question": "Quelle est votre ville de naissance ?",
    "secret_answer": "Colmar",
}
# The UD agent of the demo employer's complete establishment (Paris 11e) and of the Hauts-de-Seine; same demo
# TOTP key as the staff account (README).
AGENT_UD = {
    "identifiant": "agent.ud75",
    "password": "Agent-APART-2026;",
    "courriel": "agent.ud75@ddets.example",
    "nom": "Martin",
    "prenom": "Inès",
    "departements": ["75", "92"],
    "secret_question": "Quelle est votre ville de naissance ?",
    "secret_answer": "Brest",
}
# Obtained by automatic approval and still "non vérifié": its activation letter (code below) waits to be typed.
EMPLOYER_UNVERIFIED_SIRET = "50388427200017"
DEMO_ACTIVATION_CODE = "APART467"  # stated in README.md
# The expert-comptable's clients; the other demo SIRETs stay free for CRÉER MON ESPACE.
EXPERT_SIRETS = {"41729318000010": True, "41729318000028": True, "82650391400010": False, "79034512800017": True}

# The demo DAPs of ATELIERS MENUCA (README): days from the day of the seed; accepted or left waiting.
DEMO_DAP = {
    "motif": Motif.CONJONCTURE,
    "sous_motif": "",
    "nb_salaries": 5,
    "heures_previsionnelles": Decimal("300"),
    "type_activite": TypeActivite.REDUCTION,
    "date_consultation_cse": None,
    # Required from the second DAP on (an authorisation within 36 months): given to both.
    "engagements": "Maintien dans l'emploi des salariés placés en activité partielle pendant la période autorisée.",
    "iban": "FR7630006000011234567890189",
    "bic": "AGRIFRPP",
    "titulaire": "ATELIERS MENUCA",
}
# The accepted one covers the previous month and the current one, filed before and accepted then (the services are
# given those dates): its previous month's demande d'indemnisation can be sent at once (README). The other waits
# for the UD, days 31 to 60 from the seed.
DEMO_DAP_ACCEPTEE = "Baisse des commandes de notre principal client (démonstration : demande acceptée)."
DEMO_DAP_EN_ATTENTE = "Retard de livraison des matières premières (démonstration : demande en attente de l'UD)."


def _demo_dap_periods(today: datetime.date) -> list[tuple[str, datetime.date, datetime.date, datetime.date | None]]:
    """(circonstances, début, fin, filed on — None: today and left waiting)."""
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    end_of_month = (this_month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return [
        (DEMO_DAP_ACCEPTEE, last_month, end_of_month, last_month - datetime.timedelta(days=2)),
        (
            DEMO_DAP_EN_ATTENTE,
            max(today + datetime.timedelta(days=31), end_of_month + datetime.timedelta(days=1)),
            max(today + datetime.timedelta(days=60), end_of_month + datetime.timedelta(days=30)),
            None,
        ),
    ]


class Command(BaseCommand):
    help = "Charge les données de démonstration : SIRENE d'exemple, codes postaux, bandeau, comptes de démonstration."

    def handle(self, *args, **options):
        report = sirene_import(
            unites_legales_path=DEMO_DIR / "StockUniteLegale_demo.csv",
            etablissements_path=DEMO_DIR / "StockEtablissement_demo.csv",
        )
        self.stdout.write(f"SIRENE de démonstration : {report.etablissements_imported} établissements.")
        if not CodePostalCommune.objects.exists():
            self.stdout.write(f"{codes_postaux_load()} codes postaux chargés.")
        with transaction.atomic():
            staff_roles_sync()  # the staff groups, for the agents a superuser creates in the admin
            self._announcement()
            self._staff()
            self._agent_ud()
            employer = self._holder(EMPLOYER, EMPLOYER_SIRETS)
            expert = self._holder(EXPERT, EXPERT_SIRETS)
            clients = expert_portfolio_seed(user=expert)
            # Her many establishments make the double authentification required: the demo key, as the staff's.
            demo_device_set(user=expert, key_hex=b32decode(STAFF_TOTP_KEY).hex())
            self._unverified(employer)
            self._demandes(employer)
        self.stdout.write(
            f"Portefeuille de l'expert-comptable : {clients} établissements clients créés."
            if clients
            else "Portefeuille de l'expert-comptable : déjà en place."
        )
        self.stdout.write(self.style.SUCCESS(f"Compte agent ASP : {STAFF['identifiant']} / {STAFF['password']}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Compte agent d'UD : {AGENT_UD['identifiant']} / {AGENT_UD['password']} "
                f"(départements {', '.join(AGENT_UD['departements'])})"
            )
        )
        for role, account, password in (
            ("employeur", employer, EMPLOYER["password"]),
            ("expert-comptable", expert, EXPERT["password"]),
        ):
            self.stdout.write(
                self.style.SUCCESS(
                    f"Compte {role} : {account.identifiant} / {password} "
                    f"({account.habilitations.count()} établissements)"
                )
            )

    def _announcement(self):
        if not Announcement.objects.exists():
            Announcement.objects.create(title="Information", body=ANNOUNCEMENT)

    def _staff(self):
        staff = User.objects.filter(identifiant=STAFF["identifiant"]).first()
        if staff is None:
            staff = user_create(
                identifiant=STAFF["identifiant"],
                courriel=STAFF["courriel"],
                nom="ASP",
                prenom="Agent",
                is_superuser=True,
            )
        staff.set_password(STAFF["password"])
        staff.save(update_fields=["password"])
        demo_device_set(user=staff, key_hex=b32decode(STAFF_TOTP_KEY).hex())

    def _agent_ud(self):
        agent = AgentUD.objects.filter(user__identifiant=AGENT_UD["identifiant"]).first()
        if agent is None:
            agent = agent_create(
                identifiant=AGENT_UD["identifiant"],
                courriel=AGENT_UD["courriel"],
                nom=AGENT_UD["nom"],
                prenom=AGENT_UD["prenom"],
                departements=AGENT_UD["departements"],
                password=AGENT_UD["password"],
            ).agent
        agent_departements_set(agent=agent, departements=AGENT_UD["departements"])
        user = agent.user
        user.set_password(AGENT_UD["password"])
        user.must_change_password = False
        if user.must_set_secret_question:
            user.secret_question = AGENT_UD["secret_question"]
            user.set_secret_answer(AGENT_UD["secret_answer"])
            user.must_set_secret_question = False
        user.save()
        demo_device_set(user=user, key_hex=b32decode(STAFF_TOTP_KEY).hex())

    def _holder(self, account: dict, sirets: dict[str, bool]) -> User:
        """An account habilitated on `sirets`; it is the contact person of the fiches marked complete."""
        fields = {key: value for key, value in account.items() if key != "password"}
        user = User.objects.filter(identifiant=account["identifiant"]).first() or user_create(**fields)
        user.set_password(account["password"])
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        complete_fiche = {
            "contact_nom": user.nom,
            "contact_prenom": user.prenom,
            "contact_telephone": user.telephone,
            "contact_courriel": user.courriel,
            "effectif": 12,
            "code_naf": "10.71C",
        }
        for siret, complete in sirets.items():
            establishment = Establishment.objects.filter(siret=siret).first()
            if establishment is None:
                etablissement = sirene_etablissement_get(siret=siret)
                establishment = establishment_create(
                    **establishment_fields_from_sirene(etablissement).fields,
                    telephone="01 43 00 00 00",
                    courriel=f"contact.{siret[-5:]}@example.fr",
                    **(complete_fiche if complete else {}),
                )
            habilitation_grant(user=user, establishment=establishment)
            establishment_verify(establishment=establishment, journal=False)
        return user

    def _demandes(self, employer: User) -> None:
        """On ATELIERS MENUCA: one DAP accepted by agent.ud75 (its décision and code DI) and one sent, waiting for
        him. Found again by their circonstances on a second run; the next months stay free for the README's DAP."""
        establishment = Establishment.objects.get(siret=EMPLOYER_DAP_SIRET)
        agent = User.objects.get(identifiant=AGENT_UD["identifiant"])
        today = timezone.localdate()
        for circonstances, debut, fin, filed_on in _demo_dap_periods(today):
            demande = DemandeAutorisation.objects.filter(
                establishment=establishment, circonstances=circonstances
            ).first()
            if demande is None:
                data = {**DEMO_DAP, "circonstances": circonstances, "date_debut": debut, "date_fin": fin}
                filed_at = timezone.make_aware(datetime.datetime.combine(filed_on or today, datetime.time(10)))
                demande = demande_save(by=employer, establishment=establishment, data=data, today=filed_on or today)
                demande = demande_send(demande=demande, by=employer, now=filed_at if filed_on else None)
                if filed_on:
                    demande_accept(
                        demande=demande,
                        by=agent,
                        heures_autorisees=demande.heures_previsionnelles,
                        date_debut=demande.date_debut,
                        date_fin=demande.date_fin,
                        now=filed_at + datetime.timedelta(days=1),
                    )
                demande.refresh_from_db()
            decision = getattr(demande, "decision", None)
            self.stdout.write(
                f"DAP de démonstration {demande.numero} : {demande.get_statut_display()}"
                + (f", décision {decision.numero}, code DI {decision.code_di}" if decision else "")
            )

    def _unverified(self, user: User) -> None:
        """One establishment of the employer still non vérifié, with a letter whose code the README gives."""
        establishment = Establishment.objects.filter(siret=EMPLOYER_UNVERIFIED_SIRET).first()
        if establishment is None:
            etablissement = sirene_etablissement_get(siret=EMPLOYER_UNVERIFIED_SIRET)
            establishment = establishment_create(
                **establishment_fields_from_sirene(etablissement).fields,
                telephone="03 20 00 00 00",
                courriel=f"contact.{EMPLOYER_UNVERIFIED_SIRET[-5:]}@example.fr",
                fiche_updated_by=user,  # his claim: its contact details are shown to him while non vérifié
            )
        habilitation_grant(user=user, establishment=establishment)
        if not establishment.is_verified and not ActivationLetter.objects.filter(establishment=establishment).exists():
            activation_letter_issue(establishment=establishment, user=user, code=DEMO_ACTIVATION_CODE)
        self.stdout.write(
            f"Établissement non vérifié : {establishment.siret}, code d'activation {DEMO_ACTIVATION_CODE} "
            f"(`activation_letters --output DIR` en écrit le courrier)."
        )
