"""Every page a user can reach is audited: axe-core at 1280 px and nothing wider than the screen at 320 px.

The pages reached by a link of an e-mail or at the end of a flow are opened the way the user reaches them (the
e-mailed link, the session a flow leaves). `test_every_url_pattern_is_audited_or_excluded` fails when a new URL
pattern is neither in AUDITED (the URL names the browser tests audit) nor in EXCLUDED (with the reason).
"""

import datetime
import secrets
from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.browser.test_accessibility import PASSWORD, _audit, log_in
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The URL names that a browser test audits (this module, test_accessibility.py, test_two_factor_many.py).
AUDITED = {
    # Public
    "portal:home",
    "portal:mentions_legales",
    "portal:cgu",
    "portal:contrat_de_prestation",
    "habilitations:create_space",
    "habilitations:create_space_account",
    "habilitations:create_space_done",
    "accounts:forgotten_password",
    "accounts:forgotten_password_question",
    "accounts:forgotten_password_sent",
    "accounts:forgotten_identifiant",
    "accounts:forgotten_identifiant_question",
    "accounts:forgotten_identifiant_sent",
    "accounts:password_reset",  # an unknown link: its error page
    "accounts:password_reset_form",
    "accounts:courriel_confirm",  # an unknown link: its error page
    "accounts:courriel_confirm_form",
    "bareme:simulation",
    "bareme:historique",
    "support:help",
    "support:article",
    "support:assistance",
    "support:assistance_done",
    "support:ticket_reply",  # an unknown link: its error page
    "support:ticket_reply_form",
    # The space (an employer, an expert-comptable)
    "accounts:first_login_password",
    "accounts:my_account",
    "accounts:courriel_change",
    "accounts:secret_question_change",
    "accounts:password_change",
    "accounts:two_factor",
    "accounts:two_factor_enrol",
    "accounts:two_factor_verify",
    "espace:home",
    "espace:establishments",
    "espace:establishment",
    "espace:activation_code",
    "espace:colleague_account_request",
    "espace:contrats",
    "espace:contrat_end",
    "espace:habilitation_batches",
    "espace:habilitation_batch",
    "dap:list",
    "dap:new",
    "dap:detail",
    "dap:edit",
    "dap:delete",
    "dap:withdraw",
    "dap:avenant",
    "dap:decision_list",
    "dap:decision",
    "indemnisation:list",
    "indemnisation:new",
    "indemnisation:detail",
    "indemnisation:saisie",
    "indemnisation:delete",
    # The UD agent's back office
    "instruction:home",
    "instruction:demande",
    "instruction:di_queue",
    "instruction:di",
}

NOT_HTML = "pas une page : un fichier ou des données (PDF, CSV, image, son, JSON)"
POST_ONLY = "POST seulement : le bouton d'une page auditée, qui redirige"
EXCLUDED = {
    "health": "sonde de supervision (JSON), pas une page pour un usager",
    "captcha-image": NOT_HTML,
    "captcha-image-2x": NOT_HTML,
    "captcha-audio": NOT_HTML,
    "captcha-refresh": NOT_HTML,
    "outbox:list": "outil de développement (DEBUG), absent en production",
    "outbox:detail": "outil de développement (DEBUG), absent en production",
    "outbox:html": "outil de développement (DEBUG), absent en production",
    "portal:favicon": NOT_HTML,
    "portal:contrat_modele_pdf": NOT_HTML,
    "accounts:logout": POST_ONLY,
    "accounts:two_factor_later": POST_ONLY,
    "accounts:reminder_preferences": POST_ONLY,
    "accounts:two_factor_disable": POST_ONLY,
    "espace:login": "le formulaire de la page d'accueil poste ici ; en GET, une redirection vers l'accueil",
    "espace:establishments_export": NOT_HTML,
    "espace:establishment_bank_details": POST_ONLY,
    "espace:contrat_fichier": NOT_HTML,
    "espace:habilitation_batch_report": NOT_HTML,
    "habilitations:communes": NOT_HTML,
    "bareme:historique_csv": NOT_HTML,
    "bareme:api_simulation": NOT_HTML,
    "dap:send": POST_ONLY,
    "dap:complement": POST_ONLY,
    "dap:cse": POST_ONLY,
    "dap:accuse_reception_pdf": NOT_HTML,
    "dap:decision_pdf": NOT_HTML,
    "indemnisation:export_csv": NOT_HTML,
    "indemnisation:modele_csv": NOT_HTML,
    "indemnisation:recapitulatif_pdf": NOT_HTML,
    "instruction:accorder": POST_ONLY,
    "instruction:refuser": POST_ONLY,
    "instruction:complement": POST_ONLY,
    "instruction:di_valider": POST_ONLY,
    "instruction:di_invalider": POST_ONLY,
    "instruction:piece_jointe": NOT_HTML,
}


def _url_names(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin" or str(pattern.pattern).startswith("admin/"):
                continue  # the ASP staff's admin: out of this audit
            inner = ":".join(part for part in (namespace, pattern.namespace) if part) or None
            yield from _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            if str(pattern.pattern).startswith("^admin/"):
                continue  # the admin's moved pages (redirections)
            yield f"{namespace}:{pattern.name}" if namespace else (pattern.name or str(pattern.pattern))


def test_every_url_pattern_is_audited_or_excluded():
    names = set(_url_names(get_resolver().url_patterns))

    assert names - AUDITED - EXCLUDED.keys() == set(), "page ni auditée ni exclue (avec sa raison)"
    assert AUDITED & EXCLUDED.keys() == set()
    assert (AUDITED | EXCLUDED.keys()) - names == set(), "nom d'URL disparu : à retirer de la liste"


def session_set(page, live_server, **data):
    """Write into the browser's session what a flow leaves there (a new session when it has none)."""
    engine = import_module(django_settings.SESSION_ENGINE)
    cookie = next(
        (c for c in page.context.cookies(live_server.url) if c["name"] == django_settings.SESSION_COOKIE_NAME), None
    )
    store = engine.SessionStore(session_key=cookie["value"] if cookie else None)
    store.update(data)
    store.save()
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": live_server.url}]
    )


def test_the_pages_at_the_end_of_a_flow_or_of_an_e_mailed_link_pass_axe_core_and_fit_320_px(
    live_server, page, axe, settings
):
    from accounts.models import CourrielChangeToken, PasswordResetToken
    from accounts.recovery import _hash, recovery_start
    from accounts.services import _token_hash
    from accounts.views import RECOVERY_SESSION_KEY
    from habilitations.enums import ExtranetCode
    from habilitations.models import Extranet
    from habilitations.views import DONE_SESSION_KEY
    from support.enums import ArticleCategory
    from support.models import Article
    from support.services import ticket_reply_url
    from support.views import TICKET_DONE_SESSION_KEY
    from tests.factories import AccountRequestFactory, TicketFactory

    settings.SITE_URL = live_server.url
    Extranet.objects.get_or_create(code=ExtranetCode.APART, defaults={"name": "Activité Partielle"})
    user = UserFactory(
        identifiant="gerard.menuca",
        courriel="gerard.menuca@example.fr",
        secret_question="Quelle était la marque de votre première voiture ?",
        password=PASSWORD,
    )
    user.set_secret_answer("Cylindrée")
    user.save()
    HabilitationFactory(user=user)
    Article.objects.create(
        title="Se connecter pour la première fois",
        slug="premiere-connexion-audit",
        category=ArticleCategory.CONNEXION,
        body="Votre identifiant vous est envoyé par courriel.\n\n- un premier point\n- un second point",
    )
    failures = {}

    failures |= (
        _audit(page, live_server.url, ["/mot-de-passe-oublie/envoye/", "/identifiant-oublie/envoye/"], axe) or {}
    )
    challenge = recovery_start(flow="password", typed=user.identifiant, ip_address=None)
    session_set(page, live_server, **{RECOVERY_SESSION_KEY: challenge.as_session()})
    failures |= _audit(page, live_server.url, ["/mot-de-passe-oublie/question/"], axe)
    challenge = recovery_start(flow="identifiant", typed=user.courriel, ip_address=None)
    session_set(page, live_server, **{RECOVERY_SESSION_KEY: challenge.as_session()})
    failures |= _audit(page, live_server.url, ["/identifiant-oublie/question/"], axe)

    token = secrets.token_urlsafe(32)
    PasswordResetToken.objects.create(
        user=user, token_hash=_hash(token), expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    page.goto(live_server.url + reverse("accounts:password_reset", args=[token]))
    failures |= _audit(page, live_server.url, [reverse("accounts:password_reset_form")], axe)

    token = secrets.token_urlsafe(32)
    CourrielChangeToken.objects.create(
        user=user,
        old_courriel=user.courriel,
        new_courriel="gerard.nouveau@example.fr",
        token_hash=_token_hash(token),
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    page.goto(live_server.url + reverse("accounts:courriel_confirm", args=[token]))
    failures |= _audit(page, live_server.url, [reverse("accounts:courriel_confirm_form")], axe)

    ticket = TicketFactory.create()
    page.goto(ticket_reply_url(ticket=ticket))
    failures |= _audit(page, live_server.url, [reverse("support:ticket_reply_form")], axe)
    session_set(page, live_server, **{TICKET_DONE_SESSION_KEY: ticket.reference})
    failures |= _audit(page, live_server.url, [reverse("support:assistance_done")], axe)

    account_request = AccountRequestFactory.create()
    session_set(page, live_server, **{DONE_SESSION_KEY: account_request.reference})
    failures |= _audit(page, live_server.url, [reverse("habilitations:create_space_done")], axe)

    failures |= _audit(page, live_server.url, ["/besoin-d-aide/articles/premiere-connexion-audit/"], axe)

    # The refused links: their error pages (400, 404), whose status the console reports.
    page.expect_console_error("status of 400")
    page.expect_console_error("status of 404")
    failures |= _audit(
        page,
        live_server.url,
        [
            reverse("accounts:password_reset", args=["inconnu"]),
            reverse("accounts:courriel_confirm", args=["inconnu"]),
            reverse("support:ticket_reply", args=["inconnu"]),
        ],
        axe,
    )

    assert failures == {}


def test_the_other_pages_of_the_space_pass_axe_core_and_fit_320_px(live_server, page, axe, settings, tmp_path):
    from dap.enums import Statut
    from habilitations.contrat_services import contrat_declare, contrat_validate
    from habilitations.enums import HabilitationBatchResult, HabilitationBatchStatus
    from habilitations.models import HabilitationBatch, HabilitationBatchLine
    from tests.dap.conftest import days, make_demande
    from tests.habilitations.contrats_helpers import pdf_upload
    from tests.indemnisation.helpers import make_decision, make_di

    settings.MEDIA_ROOT = tmp_path
    user = UserFactory(identifiant="claire.expert", password=PASSWORD)
    establishment = EstablishmentFactory(denomination="ATELIERS MENUCA", complete=True, code_postal="75011")
    HabilitationFactory(user=user, establishment=establishment)
    brouillon = make_demande(establishment, user, statut=Statut.PROVISOIRE, debut=days(5), fin=days(12))
    di = make_di(make_decision(establishment, user), user)
    contrat = contrat_declare(
        by=user,
        establishment=establishment,
        siret_cabinet="73282932000074",
        nom_cabinet="CABINET COMPTA",
        fichier=pdf_upload(),
    )
    contrat_validate(contrat=contrat, by=UserFactory(staff=True))
    now = timezone.now()
    batch = HabilitationBatch.objects.create(
        user=user,
        source="clients.csv",
        input_hash="0" * 64,
        status=HabilitationBatchStatus.DONE,
        total=2,
        processed=2,
        created_count=1,
        refused_count=1,
        started_at=now,
        finished_at=now,
    )
    HabilitationBatchLine.objects.create(
        batch=batch,
        line_number=1,
        siret_typed=establishment.siret,
        siret=establishment.siret,
        result=HabilitationBatchResult.CREATED,
        processed_at=now,
        establishment=establishment,
    )
    HabilitationBatchLine.objects.create(
        batch=batch,
        line_number=2,
        siret_typed="123",
        result=HabilitationBatchResult.REFUSED,
        processed_at=now,
        message="Le Siret doit comporter 14 chiffres.",
    )
    user.establishment = establishment
    log_in(page, live_server, user)

    paths = [
        "/espace/mon-compte/courriel/",
        "/espace/mon-compte/question-secrete/",
        "/espace/mon-compte/double-authentification/",
        reverse("dap:edit", args=[brouillon.numero]),
        reverse("dap:delete", args=[brouillon.numero]),
        reverse("indemnisation:delete", args=[di.numero]),
        reverse("espace:contrat_end", args=[contrat.pk]),
        "/espace/habilitations-en-masse/",
        reverse("espace:habilitation_batch", args=[batch.pk]),
    ]
    assert _audit(page, live_server.url, paths, axe) == {}


def test_the_first_login_password_page_passes_axe_core_and_fits_320_px(live_server, page, axe):
    user = UserFactory(identifiant="gerard.menuca", password=PASSWORD, must_change_password=True)
    HabilitationFactory(user=user)
    page.goto(live_server.url + "/")
    page.get_by_label("Identifiant").fill(user.identifiant)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()

    assert _audit(page, live_server.url, [reverse("accounts:first_login_password")], axe) == {}
