import pytest

from apart.secretbox import SecretUnreadable, seal, unseal


def test_sealed_value_does_not_contain_the_secret_and_opens_again():
    sealed = seal("https://exemple.fr/reinitialiser/abc123secret")
    assert "abc123secret" not in sealed
    assert unseal(sealed) == "https://exemple.fr/reinitialiser/abc123secret"


def test_key_rotation_keeps_old_values_readable(settings):
    settings.SECRETBOX_KEY = "ancienne-cle"
    sealed = seal("X7K2-99QA")
    settings.SECRETBOX_KEY = "nouvelle-cle,ancienne-cle"
    assert unseal(sealed) == "X7K2-99QA"
    settings.SECRETBOX_KEY = "nouvelle-cle"
    with pytest.raises(SecretUnreadable):
        unseal(sealed)


def test_tampered_value_is_unreadable():
    sealed = seal("secret")
    with pytest.raises(SecretUnreadable):
        unseal(sealed[:-4] + "AAAA")
