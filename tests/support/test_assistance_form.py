"""« Formulaire de demande d'assistance »: its fields, each refused input with its message, and what a request
leaves behind (the ticket, the acknowledgement and the support notification in the outbox)."""

import re

import pytest
from django.urls import reverse

from apart.outbox.models import OutboxEmail
from support.enums import TicketMotif, TicketStatus
from support.models import Ticket
from tests.factories import (
    EstablishmentFactory,
    HabilitationFactory,
    SireneEtablissementFactory,
    UserFactory,
    delivered_text,
)

pytestmark = pytest.mark.django_db

URL = reverse("support:assistance")
DONE = reverse("support:assistance_done")
SIRET = "73282932000074"
REQUIRED = "Ce champ est obligatoire."
BANNER = "Tous les champs obligatoires (marqués d&#x27;un *) ne sont pas renseignés."
MOTIFS = [
    "Veuillez sélectionner un motif…",
    "Habilitation à l'extranet",
    "Fiche Etablissement",
    "Décision d'autorisation préalable",
    "Décision d'autorisation",
    "Demande d'indemnisation",
    "Certificat de signature",
    "Autres",
]


@pytest.fixture(autouse=True)
def _captcha(captcha_test_mode):
    return captcha_test_mode


def data(**overrides):
    values = {
        "siret": "732 829 320 00074",
        "denomination": "BOULANGERIE DU CANAL",
        "nom_prenom": "Menuça Gérard",
        "telephone": "01 02 03 04 05",
        "courriel": "gerard.menuca@example.fr",
        "motif": "habilitation",
        "description": "Mon prédécesseur a quitté l'entreprise et la boîte déclarée n'existe plus.",
        "captcha_0": "x",
        "captcha_1": "PASSED",
        **overrides,
    }
    return {key: value for key, value in values.items() if value is not None}


def post(client, **overrides):
    return client.post(URL, data(**overrides))


def errors(response, name):
    return response.context["form"].errors.get(name, [])


def test_the_form_has_the_fields_labels_hints_and_motifs_of_the_seeds(client):
    html = client.get(URL).content.decode()

    assert '<h1 class="fr-h3">Formulaire de demande d\'assistance</h1>' in html
    assert (
        'Pour envoyer un message à <a href="mailto:contact-ap@asp-public.fr">contact-ap@asp-public.fr</a>, '
        "merci de remplir le formulaire ci-dessous." in html
    )
    for label in [
        "N° de Siret*",
        "Dénomination établissement*",
        "Nom et prénom*",
        "N° de téléphone*",
        "Adresse électronique*",
        "Motif de la demande*",
        "Description de la demande*",
        "Recopier le code ci-contre*",
    ]:
        assert f"{label} :</label>" in html, label
    # Examples are hints under the labels, tied to their inputs; no placeholder looks like a typed value.
    assert "placeholder=" not in html
    assert '<p class="fr-hint-text fr-mb-1w" id="id_telephone-hint">Exemple : 01 02 03 04 05</p>' in html
    assert '<p class="fr-hint-text fr-mb-1w" id="id_courriel-hint">Exemple : prenom.nom@exemple.fr</p>' in html
    assert 'aria-describedby="id_telephone-hint"' in html
    assert "1000 caractères maximum" in html
    options = re.findall(r"<option value=\"([^\"]*)\"[^>]*>([^<]*)</option>", html)
    assert [label.replace("&#x27;", "'") for _value, label in options] == MOTIFS
    assert options[0][0] == ""
    assert "ENVOYER" in html and "ANNULER" in html
    assert 'src="/static/js/char-counter.js"' in html
    # No maxlength on the description: a browser would silently cut a pasted text.
    textarea = re.search(r"<textarea[^>]*>", html).group()
    assert "maxlength" not in textarea and 'data-char-limit="1000"' in textarea


def test_a_request_makes_a_ticket_with_a_reference_an_acknowledgement_and_a_notification(
    client, settings, django_capture_on_commit_callbacks
):
    settings.SUPPORT_EMAIL = "assistance@asp.example"
    establishment = EstablishmentFactory(siret=SIRET)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client)

    assert response.status_code == 302 and response.url == DONE
    ticket = Ticket.objects.get()
    assert re.fullmatch(r"AST-\d{8}-[0-9A-F]{6}", ticket.reference)
    assert ticket.status == TicketStatus.NOUVEAU
    assert ticket.motif == TicketMotif.HABILITATION
    assert ticket.siret == SIRET  # typed with spaces, stored compact
    assert ticket.telephone == "01 02 03 04 05"
    assert ticket.establishment == establishment
    assert ticket.user is None

    page = client.get(DONE).content.decode()
    assert "Votre demande d'assistance a bien été transmise" in page
    assert ticket.reference in page and "gerard.menuca@example.fr" in page

    acknowledgement = OutboxEmail.objects.get(to="gerard.menuca@example.fr")
    assert acknowledgement.kind == "ticket_accuse_reception"
    assert acknowledgement.subject == f"Votre demande d'assistance {ticket.reference} a bien été reçue"
    assert ticket.reference in acknowledgement.body_text
    assert "Mon prédécesseur" not in acknowledgement.body_text  # never echoed: the form would be a relay
    assert "Mon prédécesseur" not in delivered_text(acknowledgement)
    assert "/besoin-d-aide/assistance/repondre/" in delivered_text(acknowledgement)
    assert "Cet e-mail a été généré automatiquement." in acknowledgement.body_text

    notification = OutboxEmail.objects.get(to="assistance@asp.example")
    assert notification.kind == "ticket_nouvelle_demande"
    assert ticket.reference in notification.subject and "Habilitation à l'extranet" in notification.subject
    assert f"/admin/support/ticket/{ticket.pk}/change/" in notification.body_text
    assert "(espace existant)" in notification.body_text
    assert OutboxEmail.objects.count() == 2


def test_the_default_support_mailbox_is_contact_ap(client):
    post(client)

    assert OutboxEmail.objects.filter(to="contact-ap@asp-public.fr", kind="ticket_nouvelle_demande").exists()


def test_no_ticket_and_no_email_when_the_outbox_fails(client, monkeypatch):
    """The ticket and its two e-mails are written in one transaction."""
    from apart.outbox import services

    original = services.outbox_email_create
    calls = []

    def failing(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("outbox down")
        return original(**kwargs)

    monkeypatch.setattr(services, "outbox_email_create", failing)
    client.raise_request_exception = False

    response = post(client)

    assert response.status_code == 500
    assert Ticket.objects.count() == 0
    assert OutboxEmail.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("siret", "", REQUIRED),
        ("siret", "7328293200007", "Le numéro de Siret doit comporter 14 chiffres."),
        ("siret", "7328293200007A", "Le numéro de Siret doit comporter 14 chiffres."),
        ("siret", "73282932000075", "Le numéro de Siret n'est pas valide (clé de contrôle erronée)."),
        ("denomination", "", REQUIRED),
        (
            "denomination",
            "BOULANGERIE <script>",
            "Le champ Dénomination établissement contient des caractères non autorisés.",
        ),
        ("nom_prenom", "", REQUIRED),
        ("nom_prenom", "Menuça Gérard 2", "Le champ Nom et prénom contient des caractères non autorisés."),
        ("telephone", "", REQUIRED),
        ("telephone", "01 02 03", "Veuillez saisir un numéro valide."),
        ("telephone", "+1 202 555 0100", "Veuillez saisir un numéro valide."),
        ("courriel", "", REQUIRED),
        ("courriel", "gerard.menuca@", "L'adresse électronique est invalide."),
        ("courriel", "gerard menuca@example.fr", "L'adresse électronique est invalide."),
        ("motif", "", "Veuillez sélectionner un motif."),
        ("motif", "reclamation", "Veuillez sélectionner un motif dans la liste."),
        ("motif", "Habilitation à l'extranet", "Veuillez sélectionner un motif dans la liste."),
        ("description", "", REQUIRED),
        ("description", "   \n  ", REQUIRED),
        ("captcha_1", "", REQUIRED),
    ],
)
def test_each_bad_input_gets_its_message_on_its_field(client, field, value, message):
    response = post(client, **{field: value})

    assert response.status_code == 200
    name = "captcha" if field.startswith("captcha") else field
    assert errors(response, name) == [message]
    assert Ticket.objects.count() == 0
    assert OutboxEmail.objects.count() == 0
    html = response.content.decode()
    assert "Votre demande n'a pas pu être validée" in html
    assert 'aria-invalid="true"' in html
    if message == REQUIRED:
        assert BANNER in html


def test_a_wrong_security_code_is_refused(client, captcha_test_mode):
    captcha_test_mode(False)

    response = post(client)

    assert errors(response, "captcha") == [
        "Le code de sécurité saisi est incorrect. Un nouveau code vous est proposé : recopiez-le."
    ]
    assert Ticket.objects.count() == 0


def test_1000_characters_are_accepted(client):
    response = post(client, description="é" * 1000)

    assert response.status_code == 302
    assert len(Ticket.objects.get().description) == 1000


def test_1001_characters_are_refused_never_cut(client):
    text = "a" * 1001

    response = post(client, description=text)

    assert response.status_code == 200
    assert errors(response, "description") == [
        "La description de la demande est limitée à 1000 caractères : vous en avez saisi 1001. "
        "Raccourcissez votre texte de 1 caractère(s)."
    ]
    assert Ticket.objects.count() == 0
    # The text comes back whole, for the person to shorten it.
    assert f">\n{text}</textarea>" in response.content.decode() or f">{text}</textarea>" in response.content.decode()


def test_line_breaks_count_one_character_as_in_the_counter(client):
    """Browsers send a line break as \\r\\n: 500 lines of one letter are 999 characters, not 1498."""
    text = "\r\n".join(["a"] * 500)

    response = post(client, description=text)

    assert response.status_code == 302
    assert Ticket.objects.get().description == "\n".join(["a"] * 500)


def test_the_database_refuses_a_longer_description_too(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.create(
            reference="AST-X",
            motif=TicketMotif.AUTRES,
            siret=SIRET,
            denomination="X",
            nom_prenom="X",
            telephone="0102030405",
            courriel="x@example.fr",
            description="a" * 1001,
        )


# --- Pre-filled -------------------------------------------------------------------------------------


def test_the_dead_ends_prefill_siret_and_motif_from_the_query_string(client):
    SireneEtablissementFactory(siret=SIRET, denomination="BOULANGERIE DU CANAL")

    response = client.get(URL, {"siret": "732 829 320 00074", "motif": "habilitation"})

    form = response.context["form"]
    assert form["siret"].value() == SIRET
    assert form["denomination"].value() == "BOULANGERIE DU CANAL"
    assert form["motif"].value() == "habilitation"
    html = response.content.decode()
    assert '<option value="habilitation" selected>Habilitation à l&#x27;extranet</option>' in html


def test_an_unknown_motif_in_the_query_string_is_ignored(client):
    response = client.get(URL, {"motif": "n-importe-quoi"})

    assert response.context["form"]["motif"].value() is None


def test_the_space_prefills_the_user_and_the_current_establishment(client):
    user = UserFactory(nom="Menuça", prenom="Gérard", telephone="01 43 00 00 00", courriel="gerard@example.fr")
    first = HabilitationFactory(user=user, establishment=EstablishmentFactory(denomination="AAA")).establishment
    current = HabilitationFactory(user=user, establishment=EstablishmentFactory(denomination="ZZZ")).establishment
    client.force_login(user)
    session = client.session
    session["current_siret"] = current.siret
    session.save()

    response = client.get(URL)

    form = response.context["form"]
    assert form["nom_prenom"].value() == "Menuça Gérard"
    assert form["telephone"].value() == "01 43 00 00 00"
    assert form["courriel"].value() == "gerard@example.fr"
    assert form["siret"].value() == current.siret and form["denomination"].value() == "ZZZ"
    assert first.siret not in response.content.decode()
    # The space's menu stays on the help pages.
    assert "DECONNEXION" in response.content.decode()


def test_the_logged_in_requester_is_linked_to_the_ticket(client):
    user = UserFactory()
    client.force_login(user)

    post(client)

    assert Ticket.objects.get().user == user


def test_the_entries_of_the_site_lead_to_the_form(client):
    footer = client.get("/").content.decode()
    assert f'href="{URL}">Contacter le support technique</a>' in footer
    help_page = client.get(reverse("support:help")).content.decode()
    assert f'href="{URL}"' in help_page


def test_the_done_page_without_a_request_goes_back_to_the_form(client):
    assert client.get(DONE).url == URL
