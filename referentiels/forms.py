from apart.forms import TextField

from .validators import clean_siret, validate_siret


class SiretField(TextField):
    """A SIRET typed with or without spaces (732 829 320 00074), kept as its 14 digits, Luhn key checked."""

    def __init__(self, *, label="N° de Siret", **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("attrs", {"inputmode": "numeric", "autocomplete": "off"})
        super().__init__(label=label, **kwargs)

    def normalize(self, value):
        siret = clean_siret(value)
        validate_siret(siret)
        return siret
