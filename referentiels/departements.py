"""The départements of France, and the département of a code postal (the UD agents instruct by département)."""

import re

# Code → name, in the order of the codes (INSEE's Code officiel géographique): 2A and 2B for Corsica, and the
# codes 971 to 976 overseas (975, Saint-Pierre-et-Miquelon, has codes postaux 975xx like the DOM).
DEPARTEMENTS: dict[str, str] = {
    "01": "Ain",
    "02": "Aisne",
    "03": "Allier",
    "04": "Alpes-de-Haute-Provence",
    "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes",
    "07": "Ardèche",
    "08": "Ardennes",
    "09": "Ariège",
    "10": "Aube",
    "11": "Aude",
    "12": "Aveyron",
    "13": "Bouches-du-Rhône",
    "14": "Calvados",
    "15": "Cantal",
    "16": "Charente",
    "17": "Charente-Maritime",
    "18": "Cher",
    "19": "Corrèze",
    "2A": "Corse-du-Sud",
    "2B": "Haute-Corse",
    "21": "Côte-d'Or",
    "22": "Côtes-d'Armor",
    "23": "Creuse",
    "24": "Dordogne",
    "25": "Doubs",
    "26": "Drôme",
    "27": "Eure",
    "28": "Eure-et-Loir",
    "29": "Finistère",
    "30": "Gard",
    "31": "Haute-Garonne",
    "32": "Gers",
    "33": "Gironde",
    "34": "Hérault",
    "35": "Ille-et-Vilaine",
    "36": "Indre",
    "37": "Indre-et-Loire",
    "38": "Isère",
    "39": "Jura",
    "40": "Landes",
    "41": "Loir-et-Cher",
    "42": "Loire",
    "43": "Haute-Loire",
    "44": "Loire-Atlantique",
    "45": "Loiret",
    "46": "Lot",
    "47": "Lot-et-Garonne",
    "48": "Lozère",
    "49": "Maine-et-Loire",
    "50": "Manche",
    "51": "Marne",
    "52": "Haute-Marne",
    "53": "Mayenne",
    "54": "Meurthe-et-Moselle",
    "55": "Meuse",
    "56": "Morbihan",
    "57": "Moselle",
    "58": "Nièvre",
    "59": "Nord",
    "60": "Oise",
    "61": "Orne",
    "62": "Pas-de-Calais",
    "63": "Puy-de-Dôme",
    "64": "Pyrénées-Atlantiques",
    "65": "Hautes-Pyrénées",
    "66": "Pyrénées-Orientales",
    "67": "Bas-Rhin",
    "68": "Haut-Rhin",
    "69": "Rhône",
    "70": "Haute-Saône",
    "71": "Saône-et-Loire",
    "72": "Sarthe",
    "73": "Savoie",
    "74": "Haute-Savoie",
    "75": "Paris",
    "76": "Seine-Maritime",
    "77": "Seine-et-Marne",
    "78": "Yvelines",
    "79": "Deux-Sèvres",
    "80": "Somme",
    "81": "Tarn",
    "82": "Tarn-et-Garonne",
    "83": "Var",
    "84": "Vaucluse",
    "85": "Vendée",
    "86": "Vienne",
    "87": "Haute-Vienne",
    "88": "Vosges",
    "89": "Yonne",
    "90": "Territoire de Belfort",
    "91": "Essonne",
    "92": "Hauts-de-Seine",
    "93": "Seine-Saint-Denis",
    "94": "Val-de-Marne",
    "95": "Val-d'Oise",
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "975": "Saint-Pierre-et-Miquelon",
    "976": "Mayotte",
}
DEPARTEMENT_CHOICES = [(code, f"{code} — {name}") for code, name in DEPARTEMENTS.items()]

_CODE_POSTAL_RE = re.compile(r"[0-9]{5}")
# Corse-du-Sud's codes postaux begin with 200 or 201, Haute-Corse's with 202 to 206 (La Poste): checked against
# every code postal of the shipped table, which has no exception.
_CORSE_DU_SUD_PREFIXES = ("200", "201")


class CodePostalHorsDepartement(ValueError):
    """Not the code postal of a French département (malformed, Monaco's 98000, the collectivités of the Pacific)."""


def departement_of(code_postal: str) -> str:
    """The département of a code postal: its two first digits, 2A/2B for Corsica, its three first in the DOM.

    A handful of communes (about 40 of 35 000 in the table) use the code postal of a bureau distributeur across a
    département's border: they are counted in the département of their code postal.
    """
    code_postal = (code_postal or "").strip()
    if not _CODE_POSTAL_RE.fullmatch(code_postal):
        raise CodePostalHorsDepartement(f"Code postal invalide : « {code_postal} ».")
    if code_postal.startswith("20"):
        return "2A" if code_postal.startswith(_CORSE_DU_SUD_PREFIXES) else "2B"
    code = code_postal[:3] if code_postal.startswith("97") else code_postal[:2]
    if code not in DEPARTEMENTS:
        raise CodePostalHorsDepartement(f"Le code postal {code_postal} n'est pas celui d'un département français.")
    return code


def departements_parse(text: str) -> list[str]:
    """« 75, 92,2a » → ["75", "92", "2A"] (sorted as the list of départements, each once); ValueError in French
    naming the unknown codes."""
    codes = [part.strip().upper() for part in (text or "").split(",") if part.strip()]
    codes = [code.zfill(2) if code.isdigit() and len(code) == 1 else code for code in codes]
    unknown = [code for code in codes if code not in DEPARTEMENTS]
    if unknown:
        raise ValueError(f"Département inconnu : {', '.join(unknown)} (codes attendus : 01 à 95, 2A, 2B, 971 à 976).")
    if not codes:
        raise ValueError("Indiquez au moins un département (par exemple 75,92).")
    order = list(DEPARTEMENTS)
    return sorted(set(codes), key=order.index)
