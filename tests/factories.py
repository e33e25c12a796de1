"""factory-boy factories for the domain's data."""

import itertools

import factory
from stdnum import luhn

from accounts.models import User
from habilitations.models import Establishment, Extranet, Habilitation, SireneEtablissement, SireneUniteLegale

_sirens = itertools.count(100_000_00)


def make_siren() -> str:
    """A new SIREN with a valid Luhn key."""
    base = f"{next(_sirens):08d}"
    return base + luhn.calc_check_digit(base)


def make_siret(siren: str | None = None, nic: int = 1) -> str:
    """A SIRET with a valid Luhn key for `siren` (a new one by default)."""
    base = (siren or make_siren()) + f"{nic:04d}"
    return base + luhn.calc_check_digit(base)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    identifiant = factory.Sequence(lambda n: f"prenom{n}.nom{n}")
    nom = "Menuça"
    prenom = "Gérard"
    courriel = factory.Sequence(lambda n: f"utilisateur{n}@example.fr")
    telephone = "0102030405"
    secret_question = "Quel est le nom de votre premier animal de compagnie ?"

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "Mot-de-passe-2026;")
        self.set_secret_answer("Rex")
        if create:
            self.save()


class EstablishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Establishment

    siret = factory.LazyFunction(make_siret)
    siren = factory.LazyAttribute(lambda establishment: establishment.siret[:9])
    denomination = factory.Sequence(lambda n: f"ÉTABLISSEMENT {n}")
    numero_voie = "12"
    type_voie = "Rue"
    libelle_voie = "DE LA PAIX"
    code_postal = "75011"
    ville = "Paris 11e Arrondissement"
    telephone = "01 43 00 00 00"
    courriel = "contact@example.fr"


class HabilitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Habilitation

    user = factory.SubFactory(UserFactory)
    establishment = factory.SubFactory(EstablishmentFactory)
    extranet = factory.LazyFunction(lambda: Extranet.objects.for_code("APART"))


class SireneUniteLegaleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SireneUniteLegale
        django_get_or_create = ["siren"]

    siren = factory.LazyFunction(make_siren)
    denomination = "BOULANGERIE DU CANAL"
    etat_administratif = "A"


class SireneEtablissementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SireneEtablissement

    siret = factory.LazyFunction(make_siret)
    siren = factory.LazyAttribute(lambda etablissement: etablissement.siret[:9])
    denomination = "BOULANGERIE DU CANAL"
    numero_voie = "12"
    type_voie = "RUE"
    libelle_voie = "DU FAUBOURG SAINT-ANTOINE"
    code_postal = "75011"
    libelle_commune = "PARIS 11"
    code_commune = "75111"
    etat_administratif = "A"
