"""A thousand bad inputs: every form of the site and the simulation API, posted with generated hostile values
(control characters, very long strings, look-alike letters and digits, HTML and SQL payloads, numbers and dates
that are not, a field given twice or left out, files that are not what they say). Never a 500, always a French
page with no English message, and nothing written when the form is shown again."""

import copy
import datetime
import json

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User
from dap.models import Decision, DemandeAutorisation
from habilitations.contrats import ContratPrestation
from habilitations.models import AccountRequest, BankDetails, Establishment, HabilitationBatch
from indemnisation.models import DemandeIndemnisation, SalarieIndemnise
from referentiels.models import CodePostalCommune
from support.models import Ticket, TicketMessage
from tests.factories import (
    EstablishmentFactory,
    HabilitationFactory,
    SireneEtablissementFactory,
    UserFactory,
    load_communes,
)
from tests.robustness.hostile import (
    NUMBERS,
    PAYLOADS,
    check_answer,
    clear_limits,
    get_field_names,
    hostile_data,
    reglages,
    scalars,
    the_form,
)

pytestmark = pytest.mark.django_db


def snapshot(*models):
    """What the database holds for the models of a form: their counts and (for the rows edited in place) values."""

    def take():
        return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}

    return take


@pytest.fixture(autouse=True)
def _setup(captcha_test_mode, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.AXES_ENABLED = False  # each example is one more failed login: the lockout page is not the form's


class Target:
    """A form to fuzz: the client it is posted with, its URL, its fields, what must not change on a refusal."""

    def __init__(
        self, client, url, *, form=None, watched=(), fixed=None, files=False, action=None, post_url=None, valid=None
    ):
        self.client = client
        self.valid = valid
        self.url = post_url or url
        self.form = form or the_form(client, url, files=files, action=action)
        self.take = snapshot(*watched)
        self.fixed = {"captcha_0": "x", "captcha_1": "PASSED", **(fixed or {})}

    def post(self, data):
        """Posted in a savepoint rolled back after the check: each example meets the state the fixture made (a
        DAP still to decide, the session of step 1), not what an earlier example's valid input left."""
        clear_limits()
        data = {**data, **{k: v for k, v in self.fixed.items() if k in data or k in self.form["fields"]}}
        cookies = copy.deepcopy(self.client.cookies)
        with transaction.atomic():
            before = self.take()
            response = self.client.post(self.url, data)
            check_answer(response, counts_before=before, counts_after=self.take(), label=self.url)
            transaction.set_rollback(True)
        self.client.cookies = cookies  # the session as it was (a login or a password change cycles its key)
        return response


def _employer():
    establishment = EstablishmentFactory(
        complete=True, code_postal="75011", contact_courriel="contact@canal.example.fr"
    )
    user = UserFactory(courriel="employeur@canal.example.fr")
    HabilitationFactory(user=user, establishment=establishment)
    return establishment, user


def _employer_client(client):
    establishment, user = _employer()
    client.force_login(user)
    return establishment, user


# --- Public forms --------------------------------------------------------------------------------------------


def target_create_space(client):
    return Target(client, reverse("habilitations:create_space"), watched=(AccountRequest, Establishment, User))


def target_create_space_account(client):
    sirene = SireneEtablissementFactory()
    load_communes("75011")
    response = client.post(
        reverse("habilitations:create_space"),
        {"siret": sirene.siret, "captcha_0": "x", "captcha_1": "PASSED", "cgu": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from tests.habilitations.test_create_space_views import step2_data

    valid = step2_data(ville=CodePostalCommune.objects.filter(code_postal="75011").first().nom_commune)
    return Target(
        client,
        reverse("habilitations:create_space_account"),
        watched=(AccountRequest, Establishment, User),
        valid=valid,
    )


def target_login(client):
    UserFactory(identifiant="jean.dupont")
    login = reverse("espace:login")
    return Target(client, reverse("portal:home"), action=login, post_url=login, watched=(User,))


def target_forgotten_password(client):
    UserFactory(identifiant="jean.dupont")
    return Target(client, reverse("accounts:forgotten_password"), watched=(User,))


def target_forgotten_identifiant(client):
    UserFactory(identifiant="jean.dupont")
    return Target(client, reverse("accounts:forgotten_identifiant"), watched=(User,))


def target_password_reset_form(client):
    import secrets

    from accounts.models import PasswordResetToken
    from accounts.recovery import _hash

    token = secrets.token_urlsafe(32)
    PasswordResetToken.objects.create(
        user=UserFactory(identifiant="jean.dupont"),
        token_hash=_hash(token),
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    assert client.get(reverse("accounts:password_reset", args=[token])).status_code in (200, 302)
    return Target(client, reverse("accounts:password_reset_form"), watched=(User,))


def target_ticket_reply_form(client):
    from support.services import ticket_reply_url
    from tests.factories import TicketFactory

    url = ticket_reply_url(ticket=TicketFactory())
    assert client.get(url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])).status_code in (200, 302)
    return Target(client, reverse("support:ticket_reply_form"), watched=(TicketMessage,))


def target_assistance(client):
    # A valid request legitimately opens a ticket: only a refused one (the form again, 200) must write nothing.
    from tests.support.test_assistance_form import data

    return Target(client, reverse("support:assistance"), watched=(Ticket,), valid=data())


def target_simulation(client):
    from tests.bareme.test_simulateur import form_data

    return Target(client, reverse("bareme:simulation"), valid=form_data())


# --- The space -------------------------------------------------------------------------------------------------


def target_fiche(client):
    establishment, _ = _employer_client(client)
    return Target(client, reverse("espace:establishment", args=[establishment.siret]), watched=(Establishment,))


def target_bank_details(client):
    establishment, _ = _employer_client(client)
    url = reverse("espace:establishment_bank_details", args=[establishment.siret])
    return Target(
        client,
        reverse("espace:establishment", args=[establishment.siret]),
        action=url,
        post_url=url,
        watched=(BankDetails,),
        valid={"banque-iban": "FR76 3000 6000 0112 3456 7890 189", "banque-bic": "AGRIFRPP", "banque-titulaire": "X"},
    )


def _account_target(name, page=None):
    def target(client):
        _employer_client(client)
        url = reverse(f"accounts:{name}")
        if page:
            return Target(client, reverse(page), action=url, post_url=url, watched=(User,))
        return Target(client, url, watched=(User,))

    target.__name__ = f"target_{name}"
    return target


def target_colleague_account_request(client):
    establishment, _ = _employer_client(client)
    url = reverse("espace:colleague_account_request") + f"?siret={establishment.siret}"
    return Target(client, url, watched=(AccountRequest, User))


def _text(value) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y") if isinstance(value, datetime.date) else str(value)


def target_dap_new(client):
    _employer_client(client)
    from tests.dap.conftest import valid_data

    valid = {key: _text(value) for key, value in valid_data().items()}
    return Target(client, reverse("dap:new"), watched=(DemandeAutorisation,), valid=valid)


def _di_employer(client):
    from tests.indemnisation.helpers import make_decision

    establishment, user = _employer_client(client)
    return make_decision(establishment, user), user


def target_di_new(client):
    _di_employer(client)
    return Target(client, reverse("indemnisation:new"), watched=(DemandeIndemnisation,))


def _saisie_url(client):
    from tests.indemnisation.helpers import make_di

    decision, user = _di_employer(client)
    return reverse("indemnisation:saisie", args=[make_di(decision, user).numero])


def target_di_saisie(client):
    from tests.indemnisation.helpers import row

    valid = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0", "action": "calculer"}
    for index in range(2):
        valid |= {f"form-{index}-{key}": value for key, value in row(index).items()}
    return Target(client, _saisie_url(client), watched=(DemandeIndemnisation, SalarieIndemnise), valid=valid)


def target_di_saisie_csv(client):
    return Target(client, _saisie_url(client), files=True, watched=(DemandeIndemnisation, SalarieIndemnise))


def target_contrats(client):
    _employer_client(client)
    return Target(client, reverse("espace:contrats"), files=True, watched=(ContratPrestation,))


def target_habilitation_batch(client):
    _employer_client(client)
    return Target(client, reverse("espace:habilitation_batches"), watched=(HabilitationBatch,))


# --- Instruction -----------------------------------------------------------------------------------------------


def _dap_agent(client):
    from tests.instruction.conftest import envoyee, login_agent

    establishment, user = _employer()
    demande = envoyee(establishment, user)
    login_agent(client)
    return reverse("instruction:demande", args=[demande.numero]), demande.numero


def _instruction_target(name):
    def target(client):
        page, numero = _dap_agent(client)
        url = reverse(f"instruction:{name}", args=[numero])
        return Target(client, page, action=url, post_url=url, watched=(DemandeAutorisation, Decision))

    target.__name__ = f"target_{name}"
    return target


def target_di_invalider(client):
    from tests.indemnisation.helpers import make_decision, make_di
    from tests.instruction.conftest import login_agent

    establishment, user = _employer()
    demande = make_di(make_decision(establishment, user), user, send=True)
    login_agent(client)
    url = reverse("instruction:di_invalider", args=[demande.numero])
    page = reverse("instruction:di", args=[demande.numero])
    return Target(client, page, action=url, post_url=url, watched=(DemandeIndemnisation,))


TARGETS = [
    target_create_space,
    target_create_space_account,
    target_login,
    target_forgotten_password,
    target_forgotten_identifiant,
    target_password_reset_form,
    target_ticket_reply_form,
    target_assistance,
    target_simulation,
    target_fiche,
    target_bank_details,
    _account_target("reminder_preferences", "accounts:my_account"),
    _account_target("courriel_change"),
    _account_target("secret_question_change"),
    _account_target("password_change"),
    target_colleague_account_request,
    target_dap_new,
    target_di_new,
    target_di_saisie,
    target_di_saisie_csv,
    target_contrats,
    target_habilitation_batch,
    _instruction_target("accorder"),
    _instruction_target("refuser"),
    _instruction_target("complement"),
    target_di_invalider,
]


@pytest.fixture(params=TARGETS, ids=[t.__name__.removeprefix("target_") for t in TARGETS])
def target(request, client):
    return request.param(client)


@reglages
@given(data=st.data())
def test_a_form_given_hostile_values_answers_in_french_and_writes_nothing_when_it_refuses(target, data):
    target.post(data.draw(hostile_data(target.form, valid=target.valid), label="posté"))


# --- GET filters and hostile addresses -------------------------------------------------------------------------


@pytest.fixture
def employer_client(client):
    _employer_client(client)
    return client


FILTER_NAMES = ["q", "page", "siret", "etablissement", "debut", "fin", "code_di", "motif", "reference", "code_postal"]
EMPLOYER_LISTS = ("espace:establishments", "dap:list", "indemnisation:list", "dap:decision_list", "indemnisation:new")
AGENT_LISTS = ("instruction:home", "instruction:di_queue")
PUBLIC_PAGES = ("support:help", "support:assistance", "habilitations:communes", "portal:contrat_de_prestation")


def _filters(client, names, _known={}):  # noqa: B006 (read once per page: the names do not change)
    """For each page, the names of its filters (read from its GET forms) and the usual ones."""
    if names in _known:
        return _known[names]
    pages = _known[names] = {}
    for name in names:
        url = reverse(name)
        response = client.get(url)
        html = response.content.decode() if response.status_code == 200 else ""
        pages[url] = sorted(set(get_field_names(html)) | set(FILTER_NAMES))
    return pages


def _get_hostile(client, pages, data):
    for url, names in pages.items():
        params = data.draw(st.dictionaries(st.sampled_from(names), scalars | st.lists(scalars, max_size=3)), label=url)
        clear_limits()
        check_answer(client.get(url, params), label=url)


@pytest.fixture
def agent_client(client, db):
    from tests.instruction.conftest import login_agent

    login_agent(client)
    return client


@reglages
@given(data=st.data())
def test_the_employers_lists_read_hostile_filters_in_french(employer_client, data):
    _get_hostile(employer_client, _filters(employer_client, EMPLOYER_LISTS), data)


@reglages
@given(data=st.data())
def test_the_instruction_queues_read_hostile_filters_in_french(agent_client, data):
    _get_hostile(agent_client, _filters(agent_client, AGENT_LISTS), data)


@reglages
@given(data=st.data())
def test_the_public_pages_read_hostile_parameters_in_french(client, data):
    _get_hostile(client, _filters(client, PUBLIC_PAGES), data)


@reglages
@given(segment=scalars.filter(lambda s: "/" not in s and s.strip(".").replace("\x00", "")))
def test_hostile_numbers_and_tokens_in_the_address_are_a_french_404(employer_client, segment):
    client = employer_client
    for name in (
        "espace:establishment",
        "dap:detail",
        "indemnisation:detail",
        "accounts:password_reset",
        "support:ticket_reply",
    ):
        clear_limits()
        check_answer(client.get(reverse(name, args=[segment])), label=name)


# --- The JSON API ----------------------------------------------------------------------------------------------

API = "/api/simulation/"
SALARIE = {"salaire_brut_mensuel": "2500.00", "duree_hebdomadaire": "35", "heures_chomees": "81.67"}

json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=False, allow_infinity=False),
    scalars,
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def api_bodies(draw):
    how = draw(st.sampled_from(["field", "field", "salarie", "whole", "raw"]))
    body = {"mois": "2026-03", "dispositif": "droit_commun", "salaries": [dict(SALARIE)]}
    if how == "field":
        body[draw(st.sampled_from(["mois", "dispositif", "salaries"]))] = draw(json_values)
    elif how == "salarie":
        salarie = body["salaries"][0]
        key = draw(st.sampled_from([*SALARIE, "contrat"]))
        salarie[key] = draw(json_values | st.sampled_from(NUMBERS))
    elif how == "whole":
        body = draw(json_values)
    else:
        raw = draw(
            st.sampled_from(
                [
                    b"",
                    b"{",
                    b"NaN",
                    b'{"mois": NaN}',
                    b'{"mois": Infinity}',
                    b'{"salaries": [{"heures_chomees": 1e309}]}',
                    b"\xff\xfe\x00",
                    b'{"a":' * 5000,
                    b"[" * 100_000,
                    ('{"mois": "' + PAYLOADS[0] + '"}').encode(),
                    b"\x00",
                ]
            )
            | st.binary(max_size=200)
        )
        return raw
    return json.dumps(body).encode()


@reglages
@given(body=api_bodies(), content_type=st.sampled_from(["application/json", "application/json; charset=utf-8"]))
def test_the_api_answers_hostile_bodies_in_french_json(body, content_type):
    clear_limits()
    response = Client().post(API, body, content_type=content_type)
    check_answer(response, label=API)
    assert response["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        erreurs = response.json()["erreurs"]
        assert erreurs and all(isinstance(messages, list) and messages for messages in erreurs.values())
