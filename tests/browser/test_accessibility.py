"""Accessibility in a real browser: axe-core on every kind of page, the DSFR header's mobile menu at 320 px, the
security codes' alternatives. The `page` fixture also fails any test whose pages log a JavaScript error."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import EstablishmentFactory, HabilitationFactory, SireneEtablissementFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mot-de-passe-2026;"
PUBLIC_PAGES = [
    "/",
    "/creer-mon-espace/",
    "/mot-de-passe-oublie/",
    "/identifiant-oublie/",
    "/besoin-d-aide/",
    "/besoin-d-aide/assistance/",
    "/mentions-legales/",
    "/conditions-generales-d-utilisation/",
    "/contrat-de-prestation/",
    "/simulation-indemnisation/",
]


@pytest.fixture
def employer(db):
    user = UserFactory(identifiant="gerard.menuca", password=PASSWORD)
    establishment = EstablishmentFactory(denomination="ATELIERS MENUCA", enseigne="LA FOURNÉE")
    HabilitationFactory(user=user, establishment=establishment)
    user.establishment = establishment
    return user


def log_in(page, live_server, user):
    page.goto(live_server.url + "/")
    page.get_by_label("Identifiant").fill(user.identifiant)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()
    assert page.url == live_server.url + "/espace/"


def space_pages(user):
    return [
        "/espace/",
        "/espace/etablissements/",
        reverse("espace:establishment", args=[user.establishment.siret]),
        "/espace/demande-creation-compte/",
        "/espace/contrats-de-prestation/",
        "/espace/mon-compte/",
        "/espace/mon-compte/mot-de-passe/",
        "/espace/mon-compte/double-authentification/activer/",
        "/espace/dap/",
        "/espace/dap/nouvelle/",
        "/espace/di/nouvelle/",
        "/besoin-d-aide/",
    ]


def _audit(page, base, paths, axe) -> dict:
    """Each page audited at 1280 px with axe-core, then checked at 320 px: nothing wider than the screen."""
    failures = {}
    for path in paths:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(base + path)
        problems = [] if page.url == base + path else [f"redirigée vers {page.url} : la page n'est pas auditée"]
        problems += axe()
        page.set_viewport_size({"width": 320, "height": 800})
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 320:
            problems.append(f"à 320 px, la page fait {width} px de large")
        if problems:
            failures[path] = problems
    return failures


def test_public_pages_pass_axe_core_and_fit_320_px(live_server, page, axe):
    assert _audit(page, live_server.url, PUBLIC_PAGES, axe) == {}


def test_the_pages_of_the_space_pass_axe_core_and_fit_320_px(live_server, page, axe, employer):
    log_in(page, live_server, employer)

    assert _audit(page, live_server.url, space_pages(employer), axe) == {}


def test_the_decision_pages_pass_axe_core_and_fit_320_px(live_server, page, axe, employer):
    from dap.enums import Statut
    from tests.dap.conftest import days, make_demande

    employer.establishment.__class__.objects.filter(pk=employer.establishment.pk).update(
        contact_nom="Menuça", contact_prenom="Gérard", effectif=12
    )
    decision = make_demande(
        employer.establishment, employer, statut=Statut.ACCEPTEE, debut=days(1), fin=days(14)
    ).decision
    log_in(page, live_server, employer)

    paths = ["/espace/decisions/", f"/espace/decisions/{decision.numero}/"]
    assert _audit(page, live_server.url, paths, axe) == {}
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Copier le code").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).not_to_be_empty()
    assert axe() == []


def test_the_di_saisie_pages_pass_axe_core(live_server, page, axe, employer):
    from indemnisation import services
    from tests.indemnisation.helpers import last_month, make_decision, row

    decision = make_decision(employer.establishment, employer)
    demande = services.demande_create(by=employer, decision=decision, mois=last_month())
    services.demande_calculate(demande=demande, by=employer, rows=[row(0), row(1)])
    log_in(page, live_server, employer)

    assert _audit(page, live_server.url, [f"/espace/di/{demande.numero}/saisie/"], axe) == {}
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="CALCULER").click()
    page.wait_for_load_state()
    page.locator("#id_form-0-nir").fill("123")
    page.get_by_role("button", name="CALCULER").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert axe() == []
    page.goto(live_server.url + "/espace/di/nouvelle/")
    page.get_by_label("Code DI").fill("ABC")
    page.get_by_role("button", name="Valider le code DI").click()
    expect(page.locator("#id_code_di-error")).to_be_visible()
    assert axe() == []
    page.get_by_label("Code DI").fill(decision.code_di)
    page.get_by_role("button", name="Valider le code DI").click()
    expect(page.get_by_label("Mois")).to_be_visible()
    assert axe() == []


def test_the_di_list_and_detail_pages_pass_axe_core_and_fit_320_px(live_server, page, axe, employer):
    from indemnisation import services
    from tests.indemnisation.helpers import make_decision, make_di, row

    decision = make_decision(employer.establishment, employer)
    sent = make_di(decision, employer, rows=[row(0, nom="MENUÇA", prenom="Gérard"), row(1)], send=True)
    services.demande_invalidate(demande=sent, by=UserFactory(), motif="Les heures de NOM1 sont à justifier.")
    log_in(page, live_server, employer)

    paths = [
        "/espace/di/",
        "/espace/di/?mois=mars",  # the filter's error shown next to it
        reverse("indemnisation:detail", args=[sent.numero]),
    ]
    assert _audit(page, live_server.url, paths, axe) == {}


def test_the_pages_of_a_non_verifie_establishment_pass_axe_core_with_their_errors_shown(live_server, page, axe):
    user = UserFactory(identifiant="gerard.menuca", password=PASSWORD)
    establishment = EstablishmentFactory(denomination="ATELIERS MENUCA", unverified=True)
    HabilitationFactory(user=user, establishment=establishment)
    # A second one: the home lists both, each with its link to the code page.
    HabilitationFactory(
        user=user, establishment=EstablishmentFactory(denomination="BOULANGERIE MENUCA", unverified=True)
    )
    user.establishment = establishment
    log_in(page, live_server, user)
    fiche = reverse("espace:establishment", args=[establishment.siret])
    code_page = reverse("espace:activation_code", args=[establishment.siret])

    assert _audit(page, live_server.url, ["/espace/", fiche, code_page], axe) == {}
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Code d'activation").fill("AAAAAAAA")
    with page.expect_navigation():
        page.get_by_role("button", name="Valider le code").click()
    expect(page.get_by_text("Aucun courrier d'activation en cours")).to_be_visible()
    assert axe() == []
    page.goto(live_server.url + fiche)
    page.get_by_label("IBAN").fill("FR76 3000 6000 0112 3456 7890 189")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer les coordonnées bancaires").click()
    expect(page.get_by_text("Cet établissement n'est pas encore vérifié").first).to_be_visible()
    assert axe() == []


def test_the_dap_form_with_its_errors_passes_axe_core(live_server, page, axe):
    user = UserFactory(identifiant="gerard.menuca", password=PASSWORD)
    establishment = EstablishmentFactory(denomination="ATELIERS MENUCA", complete=True)
    HabilitationFactory(user=user, establishment=establishment)
    HabilitationFactory(user=user, establishment=EstablishmentFactory(denomination="BOULANGERIE MENUCA", complete=True))
    user.establishment = establishment
    log_in(page, live_server, user)

    assert _audit(page, live_server.url, ["/espace/dap/nouvelle/"], axe) == {}
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Motif de recours").select_option(label="Toute autre circonstance de caractère exceptionnel")
    page.get_by_label("IBAN").fill("FR00")
    with page.expect_navigation():
        page.get_by_role("button", name="ENVOYER").click()
    expect(page.get_by_text("Votre demande n'a pas pu être validée")).to_be_visible()
    expect(page.get_by_text("Choisissez un sous-motif.")).to_be_visible()
    assert _audit_shown(page, axe) == []


def test_the_pages_of_a_dap_pass_axe_core(live_server, page, axe):
    from dap.enums import Statut
    from dap.services import demande_request_complement
    from tests.dap.conftest import days, make_demande

    user = UserFactory(identifiant="gerard.menuca", password=PASSWORD)
    establishment = EstablishmentFactory(denomination="ATELIERS MENUCA", complete=True)
    HabilitationFactory(user=user, establishment=establishment)
    waiting = make_demande(establishment, user, debut=days(1), fin=days(10))
    demande_request_complement(demande=waiting, by=user, message="Joignez l'avis du CSE.")
    accepted = make_demande(establishment, user, statut=Statut.ACCEPTEE, debut=days(20), fin=days(30))
    log_in(page, live_server, user)
    pages = [
        reverse("dap:detail", args=[waiting.numero]),
        reverse("dap:detail", args=[accepted.numero]),
        reverse("dap:avenant", args=[accepted.numero]),
        reverse("dap:withdraw", args=[waiting.numero]),
    ]

    assert _audit(page, live_server.url, pages, axe) == {}
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("dap:avenant", args=[accepted.numero]))
    with page.expect_navigation():
        page.get_by_role("button", name="Demander un avenant").click()
    expect(page.get_by_text("L'avenant doit modifier")).to_be_visible()
    assert _audit_shown(page, axe) == []


def test_the_simulator_with_a_result_with_errors_and_the_bareme_pass_axe_core(live_server, page, axe):
    page.goto(live_server.url + "/simulation-indemnisation/")
    page.locator("#id_mois").fill("2026-03")
    page.get_by_label("Dispositif").select_option("droit_commun")
    page.get_by_label("Salaire brut mensuel").fill("2 500,00")
    page.get_by_label("Durée hebdomadaire de travail").fill("35")
    page.get_by_label("Heures chômées dans le mois").fill("81,67")
    with page.expect_navigation():
        page.get_by_role("button", name="Ajouter un salarié").click()
    page.get_by_role("group", name="Salarié 2").get_by_label("Salaire brut mensuel").fill("1850,50")
    page.get_by_role("group", name="Salarié 2").get_by_label("Durée hebdomadaire de travail").fill("35")
    page.get_by_role("group", name="Salarié 2").get_by_label("Heures chômées dans le mois").fill("20")
    with page.expect_navigation():
        page.get_by_role("button", name="SIMULER").click()
    expect(page.get_by_role("heading", name="Résultat de la simulation — mars 2026, Droit commun")).to_be_visible()
    assert _audit_shown(page, axe) == []
    page.locator("#id_mois").fill("2020-02")
    page.get_by_role("group", name="Salarié 1").get_by_label("Salaire brut mensuel").fill("-1500")
    page.get_by_role("group", name="Salarié 2").get_by_label("Heures chômées dans le mois").fill("400")
    with page.expect_navigation():
        page.get_by_role("button", name="SIMULER").click()
    expect(page.get_by_text("La simulation n'a pas pu être faite")).to_be_visible()
    assert _audit_shown(page, axe) == []
    assert _audit(page, live_server.url, ["/simulation-indemnisation/bareme/"], axe) == {}


def _audit_shown(page, axe) -> list:
    """The page shown (a POST's answer, which a goto cannot fetch again), at 1280 px then at 320 px."""
    page.set_viewport_size({"width": 1280, "height": 900})
    problems = axe()
    page.set_viewport_size({"width": 320, "height": 800})
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > 320:
        problems.append(f"à 320 px, la page fait {width} px de large")
    page.set_viewport_size({"width": 1280, "height": 900})
    return problems


def test_step_2_of_creer_mon_espace_passes_axe_core_with_its_errors_shown(live_server, page, axe, captcha_test_mode):
    SireneEtablissementFactory(siret="73282932000074")
    page.goto(live_server.url + "/creer-mon-espace/")
    page.get_by_label("N° de Siret").fill("732 829 320 00074")
    page.get_by_label("Recopier le code ci-contre").fill("PASSED")
    page.locator("label[for=id_cgu]").click()
    with page.expect_navigation():
        page.get_by_role("button", name="VALIDER").click()

    assert _audit_shown(page, axe) == []
    # ENVOYER, greyed, says why to assistive technology and stays reachable.
    envoyer = page.get_by_role("button", name="ENVOYER")
    expect(envoyer).to_have_attribute("aria-disabled", "true")
    expect(envoyer).to_have_accessible_description(
        "Le bouton ENVOYER est grisé : renseignez d'abord tous les champs marqués d'un * et le code de sécurité."
    )
    envoyer.focus()
    expect(envoyer).to_be_focused()


def test_at_320_px_the_header_menu_opens_with_the_help_link(live_server, page):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(live_server.url + "/")
    page.wait_for_function("() => window.dsfr !== undefined")

    expect(page.locator(".fr-header__tools-links")).to_be_hidden()
    page.get_by_role("button", name="Menu").click()

    menu = page.locator("#menu-modal")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="BESOIN D'AIDE ?")).to_be_visible()
    menu.get_by_role("button", name="Fermer").click()
    expect(menu).to_be_hidden()


def test_at_320_px_the_space_menu_and_deconnexion_are_in_the_mobile_menu(live_server, page, employer):
    log_in(page, live_server, employer)
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(live_server.url + "/espace/")

    page.get_by_role("button", name="Menu").click()

    menu = page.locator("#menu-modal")
    for name in [
        "ÉTABLISSEMENTS",
        "DEMANDES D'AUTORISATION PRÉALABLE",
        "DÉCISIONS D'AUTORISATION",
        "DEMANDES D'INDEMNISATION",
    ]:
        expect(menu.get_by_role("link", name=name)).to_be_visible()
    for name in ["DEMANDE CRÉATION DE COMPTE", "Mon compte", "BESOIN D'AIDE ?"]:
        expect(menu.get_by_role("link", name=name)).to_be_visible()
    with page.expect_navigation():
        menu.get_by_role("button", name="DECONNEXION").click()
    assert page.url == live_server.url + "/"
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()


def test_at_1280_px_the_header_keeps_its_buttons_on_one_line(live_server, page, employer):
    log_in(page, live_server, employer)

    tops = page.locator(".fr-header__tools-links > .fr-btns-group > li").evaluate_all(
        "items => items.map((item) => Math.round(item.getBoundingClientRect().top))"
    )

    assert len(tops) == 5
    assert len(set(tops)) == 1, tops  # DECONNEXION does not wrap on its own line


def test_the_operation_of_the_recovery_is_text_that_a_screen_reader_reads(live_server, page):
    page.goto(live_server.url + "/mot-de-passe-oublie/")

    answer = page.get_by_label("Veuillez résoudre l'opération suivante")

    label = answer.evaluate("element => element.labels[0].textContent")
    first, second = (int(number) for number in label.split(":")[1].strip().rstrip("=").split("+"))
    assert label == f"Veuillez résoudre l'opération suivante : {first} + {second} ="
    assert page.locator("form img").count() == 0  # no image: the operation is text


@pytest.mark.parametrize("path", ["/creer-mon-espace/", "/besoin-d-aide/assistance/"])
def test_the_image_code_has_an_audio_alternative_reached_and_renewed_with_the_keyboard(
    live_server, page, settings, path
):
    """RGAA 1.5: the image code is read aloud (django-simple-captcha's audio, flite); the audio player and the
    « Nouveau code » button are reached with Tab, and a new code renews the audio with the image."""
    from tests.browser.test_keyboard import assert_focus_visible, tab_to
    from tests.conftest import missing_service

    if not settings.CAPTCHA_FLITE_PATH:
        missing_service("flite absent : pas de version audio du code de sécurité")
    page.goto(live_server.url + path)

    audio = page.locator("audio[data-captcha-audio]")
    expect(audio).to_have_attribute("aria-label", "Écouter le code de sécurité (lettres et chiffres épelés en anglais)")
    expect(audio).to_have_attribute("controls", "")
    first_src = audio.get_attribute("src")
    _assert_wav(page, live_server.url + first_src)
    tab_to(page, audio)
    tab_to(page, page.get_by_role("button", name="Nouveau code"))
    assert_focus_visible(page)
    page.keyboard.press("Enter")

    expect(page.get_by_label("Recopier le code ci-contre")).to_be_focused()  # back to the answer, to type it
    expect(audio).not_to_have_attribute("src", first_src)
    key = page.locator("input[type=hidden][name$='_0']").input_value()
    assert key in audio.get_attribute("src")
    _assert_wav(page, live_server.url + audio.get_attribute("src"))


def _assert_wav(page, url):
    response = page.request.get(url)
    assert response.status == 200
    assert response.headers["content-type"] == "audio/wav"
    assert response.body()[:4] == b"RIFF"


def test_the_audit_finds_what_it_looks_for(page, axe):
    """The audit itself works: a page without a language, a title or an image alternative fails it."""
    page.set_content("<html><body><main><img src='data:image/gif;base64,R0lGODlhAQABAAAAACw='></main></body></html>")

    found = " ".join(axe())

    assert "image-alt" in found and "html-has-lang" in found and "document-title" in found


def test_the_ud_agents_back_office_passes_axe_core_and_fits_320_px(live_server, page, axe):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from instruction.services import agent_create

    user = agent_create(
        identifiant="agent.ud75", courriel="ud75@ddets.example", departements=["75", "92"], password=PASSWORD
    ).agent.user
    user.must_set_secret_question = False
    user.save()
    device = TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)
    page.goto(live_server.url + "/")
    page.get_by_label("Identifiant").fill("agent.ud75")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()
    assert _audit_shown(page, axe) == []  # « Code de vérification »
    page.get_by_label("Code de vérification").fill(f"{totp(device.bin_key):06d}")
    with page.expect_navigation():
        page.get_by_role("button", name="Valider").click()
    assert page.url == live_server.url + "/instruction/"
    from dap.models import DemandeHistorique
    from tests.dap.conftest import make_demande
    from tests.instruction.conftest import days

    employer = UserFactory(identifiant="gerard.menuca")
    establishment = EstablishmentFactory(complete=True, code_postal="75011", denomination="ATELIERS MENUCA")
    make_demande(
        establishment,
        employer,
        debut=days(-30),
        fin=days(-20),
        numero="DAP-2026-000001",
        statut="acceptee",
        departement="75",
    )
    demande = make_demande(
        establishment, employer, debut=days(1), fin=days(14), numero="DAP-2026-000002", departement="75"
    )
    DemandeHistorique.objects.create(demande=demande, to_statut="envoyee", by=employer, at=demande.sent_at)
    dap_page = reverse("instruction:demande", args=[demande.numero])
    from tests.indemnisation.helpers import make_decision, make_di, row

    HabilitationFactory(user=employer, establishment=establishment)
    di = make_di(make_decision(establishment, employer), employer, rows=[row(0), row(1)], send=True)
    di_page = reverse("instruction:di", args=[di.numero])

    paths = ["/instruction/", dap_page, "/instruction/di/", di_page, "/espace/mon-compte/"]
    assert _audit(page, live_server.url, paths, axe) == {}

    # The DAP's page with an error shown next to its field.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + dap_page)
    page.get_by_role("textbox", name="Heures autorisées").fill("999")
    with page.expect_navigation():
        page.get_by_role("button", name="ACCORDER").click()
    expect(page.get_by_text("Les heures autorisées doivent être supérieures à 0")).to_be_visible()
    assert axe() == []
