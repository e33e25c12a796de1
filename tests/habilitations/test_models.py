"""Establishments, habilitations and their rules, in the models and in the database."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.services import user_create
from habilitations.enums import ExtranetCode
from habilitations.models import FICHE_REQUIRED_FIELDS, Establishment, Extranet, Habilitation, one_year_after
from habilitations.selectors import establishments_for_user
from habilitations.services import establishment_create, habilitation_grant
from referentiels.enums import type_voie_label
from referentiels.text import truncate_at_word
from referentiels.validators import clean_siret, validate_siret
from tests.factories import EstablishmentFactory, HabilitationFactory

pytestmark = pytest.mark.django_db

SIRET = "73282932000074"


def _establishment(siret=SIRET, **overrides):
    fields = {
        "denomination": "BOULANGERIE DU CANAL",
        "libelle_voie": "DU FAUBOURG",
        "code_postal": "75011",
        "ville": "Paris",
    }
    return establishment_create(siret=siret, **{**fields, **overrides})


def _user(identifiant="gerard.menuca"):
    return user_create(identifiant=identifiant, courriel=f"{identifiant}@example.fr", nom="Menuça", prenom="Gérard")


def test_the_asp_extranets_exist():
    assert set(Extranet.objects.values_list("code", flat=True)) == set(ExtranetCode.values)
    assert Extranet.objects.get(code="SYLAE").name == "SYLAé"
    assert Extranet.objects.get(code="APART").name == "Activité Partielle"


@pytest.mark.parametrize("typed", ["732 829 320 00074", "73282932000074", " 732829320 00074 "])
def test_siret_is_accepted_with_or_without_spaces(typed):
    validate_siret(clean_siret(typed))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("7328293200007", "Le numéro de Siret doit comporter 14 chiffres."),
        ("7328293200007A", "Le numéro de Siret doit comporter 14 chiffres."),
        ("73282932000075", "Le numéro de Siret n'est pas valide (clé de contrôle erronée)."),
    ],
)
def test_bad_siret_is_refused_with_a_french_message(typed, message):
    with pytest.raises(ValidationError) as error:
        validate_siret(typed)

    assert error.value.messages == [message]


def test_la_poste_siret_follows_its_own_rule():
    # La Poste's establishments fail the Luhn key; their digits add up to a multiple of 5.
    validate_siret("35600000000048")


def test_establishment_siren_is_the_siret_prefix():
    establishment = _establishment()

    assert establishment.siren == "732829320"


def test_the_database_refuses_a_siret_that_is_not_14_digits():
    with pytest.raises(IntegrityError), transaction.atomic():
        Establishment.objects.bulk_create(
            [Establishment(siret="1234", siren="1234", denomination="X", libelle_voie="X", code_postal="1", ville="X")]
        )


def test_the_database_refuses_a_siren_that_is_not_the_siret_prefix():
    with pytest.raises(IntegrityError), transaction.atomic():
        Establishment.objects.bulk_create(
            [
                Establishment(
                    siret=SIRET, siren="111111111", denomination="X", libelle_voie="X", code_postal="1", ville="X"
                )
            ]
        )


def test_an_establishment_has_one_space_per_siret():
    _establishment()

    # The unique constraint decides (two concurrent requests make one establishment)…
    with pytest.raises(IntegrityError):
        _establishment()
    assert Establishment.objects.filter(siret=SIRET).count() == 1
    # … and a form validating the model says it in French.
    with pytest.raises(ValidationError) as error:
        Establishment(
            siret=SIRET, siren=SIRET[:9], denomination="X", libelle_voie="X", code_postal="75011", ville="Paris"
        ).validate_unique()
    assert "Cet établissement dispose déjà d'un espace." in error.value.messages


def test_libelle_and_complement_keep_the_seeds_limits():
    with pytest.raises(ValidationError) as error:
        _establishment(libelle_voie="X" * 29, complement_adresse="Y" * 39)

    assert set(error.value.message_dict) == {"libelle_voie", "complement_adresse"}


def test_a_habilitation_lasts_one_year_by_default():
    habilitation = habilitation_grant(
        user=_user(), establishment=_establishment(), valid_from=datetime.date(2026, 3, 18)
    )

    assert habilitation.extranet.code == "APART"
    assert habilitation.valid_until == datetime.date(2027, 3, 18)


def test_one_year_after_29_february_is_28_february():
    assert one_year_after(datetime.date(2028, 2, 29)) == datetime.date(2029, 2, 28)


def test_a_habilitation_granted_on_29_february_ends_on_28_february():
    habilitation = habilitation_grant(
        user=_user(), establishment=_establishment(), valid_from=datetime.date(2028, 2, 29)
    )

    habilitation.refresh_from_db()
    assert (habilitation.valid_from, habilitation.valid_until) == (
        datetime.date(2028, 2, 29),
        datetime.date(2029, 2, 28),
    )


def test_granting_twice_keeps_one_habilitation():
    user, establishment = _user(), _establishment()

    first = habilitation_grant(user=user, establishment=establishment)
    second = habilitation_grant(user=user, establishment=establishment)

    assert first.pk == second.pk
    assert Habilitation.objects.count() == 1


def test_granting_again_renews_an_expired_habilitation_from_the_new_start():
    expired = HabilitationFactory(expired=True)  # ended yesterday
    restart = timezone.localdate()

    renewed = habilitation_grant(user=expired.user, establishment=expired.establishment, valid_from=restart)

    assert renewed.pk == expired.pk
    renewed.refresh_from_db()
    assert (renewed.valid_from, renewed.valid_until) == (restart, one_year_after(restart))


def test_the_database_keeps_one_habilitation_per_user_establishment_and_extranet():
    user, establishment = _user(), _establishment()
    habilitation_grant(user=user, establishment=establishment)
    apart = Extranet.objects.for_code("APART")

    with pytest.raises(IntegrityError), transaction.atomic():
        Habilitation.objects.bulk_create(
            [Habilitation(user=user, establishment=establishment, extranet=apart, valid_until=datetime.date.today())]
        )

    habilitation_grant(user=user, establishment=establishment, extranet_code="SYLAE")
    assert Habilitation.objects.count() == 2


def test_the_database_refuses_an_end_before_the_start():
    with pytest.raises(IntegrityError), transaction.atomic():
        Habilitation.objects.create(
            user=_user(),
            establishment=_establishment(),
            extranet=Extranet.objects.for_code("APART"),
            valid_from=datetime.date(2026, 5, 1),
            valid_until=datetime.date(2026, 4, 1),
        )


def test_active_habilitations_and_the_establishments_of_a_user():
    user = _user()
    today = datetime.date.today()
    current = _establishment()
    future = _establishment("35600000000048", denomination="LA POSTE")
    expired = _establishment("55210055400013", denomination="ANCIENNE")
    habilitation_grant(user=user, establishment=current, valid_from=today)
    habilitation_grant(user=user, establishment=future, valid_from=today + datetime.timedelta(days=3))
    HabilitationFactory(user=user, establishment=expired, expired=True)
    habilitation_grant(user=_user("autre"), establishment=_establishment("55210055400021", denomination="AUTRE"))

    assert list(establishments_for_user(user=user)) == [current]
    assert list(establishments_for_user(user=user, query="BOULANGERIE")) == [current]
    assert list(establishments_for_user(user=user, query="732 829")) == [current]
    assert list(establishments_for_user(user=user, extranet_code="SYLAE")) == []


@pytest.mark.parametrize(
    ("value", "limit", "expected"),
    [
        ("DU FAUBOURG SAINT ANTOINE", 28, "DU FAUBOURG SAINT ANTOINE"),
        ("DU GENERAL DE GAULLE ET DE LA LIBERATION", 28, "DU GENERAL DE GAULLE ET DE"),
        ("ANTICONSTITUTIONNELLEMENTXXXXXXXXXX", 28, "ANTICONSTITUTIONNELLEMENTXXX"),
    ],
)
def test_sirene_values_are_cut_at_a_word_boundary(value, limit, expected):
    assert truncate_at_word(value, limit) == expected
    assert len(truncate_at_word(value, limit)) <= limit


def test_type_voie_codes_have_labels_and_unknown_codes_stay():
    assert type_voie_label("AV") == "Avenue"
    assert type_voie_label("BD") == "Boulevard"
    assert type_voie_label("ZZZ") == "ZZZ"


# --- The fiche établissement: its completeness is derived by the database ------------------------------------


def _fetched(establishment):
    return Establishment.objects.get(pk=establishment.pk)


def test_a_fiche_with_every_required_field_is_complete():
    assert _fetched(EstablishmentFactory(complete=True)).fiche_complete is True
    assert _fetched(EstablishmentFactory()).fiche_complete is False  # no personne à contacter, effectif, NAF


@pytest.mark.parametrize("name", FICHE_REQUIRED_FIELDS)
def test_a_queryset_update_that_empties_a_required_field_makes_the_fiche_incomplete(name):
    establishment = EstablishmentFactory(complete=True)
    empty = None if name == "effectif" else ""

    Establishment.objects.filter(pk=establishment.pk).update(**{name: empty})

    fetched = _fetched(establishment)
    assert fetched.fiche_complete is False
    assert fetched.missing_fiche_fields() == [Establishment._meta.get_field(name).verbose_name]


def test_a_queryset_update_that_fills_the_last_missing_field_makes_the_fiche_complete():
    establishment = EstablishmentFactory(complete=True, code_naf="")
    assert _fetched(establishment).fiche_complete is False

    Establishment.objects.filter(pk=establishment.pk).update(code_naf="10.71C")

    assert _fetched(establishment).fiche_complete is True
    assert Establishment.objects.filter(fiche_complete=True).get() == establishment
    establishment.refresh_from_db()
    assert establishment.fiche_complete is True


def test_the_enseigne_tells_two_establishments_of_one_company_apart():
    canal = EstablishmentFactory(denomination="ATELIERS MENUCA", enseigne="BOULANGERIE DU CANAL")
    same = EstablishmentFactory(denomination="BOULANGERIE DU CANAL", enseigne="Boulangerie du Canal")
    none = EstablishmentFactory(denomination="ATELIERS MENUCA")

    assert canal.display_name == "ATELIERS MENUCA — BOULANGERIE DU CANAL"
    assert same.display_name == "BOULANGERIE DU CANAL"
    assert none.display_name == "ATELIERS MENUCA"
