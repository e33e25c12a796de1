"""Filing a DI: the code DI and the month, then the employees (typed, copied from the previous month or imported
from a CSV file), CALCULER and ENVOYER.

Thin views: the forms carry what is typed, `indemnisation.checks` and the services decide and write. A DI of an
establishment the user does not hold is not found (404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods

from apart.forms import add_errors
from bareme.engine import format_mois
from habilitations.perms import can_submit_to_administration

from . import checks, csv_import, selectors, services
from .enums import Statut
from .forms import LIBELLES_LIGNE, ImportCsvForm, NouvelleDemandeForm, salarie_formset
from .services import ActionRefusee, DemandeInvalide

# Above this many employees the rows are not typed in the page (a POST of 100 rows is 800 fields, Django's limit
# is 1 000): the DI is changed by importing a corrected CSV file.
SAISIE_LIGNES_MAX = 100
LIGNES_VIDES = 5
MONTANTS_PAR_PAGE = 100
ERREURS_AFFICHEES_MAX = 100

CALCULER = "calculer"
ENVOYER = "envoyer"
AJOUTER = "ajouter"
RECOPIER = "recopier"
IMPORTER = "importer"


def _demande_or_404(request, numero):
    demande = selectors.demande_for_user(user=request.user, numero=numero)
    if demande is None:
        raise Http404
    return demande


# --- Nouvelle demande ----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def demande_new(request):
    today = timezone.localdate()
    # A link may carry the code: « /espace/di/nouvelle/?code_di=… ».
    data = request.POST if request.method == "POST" else (request.GET if request.GET.get("code_di") else None)
    creer = request.method == "POST" and request.POST.get("action") == "creer"
    form = NouvelleDemandeForm(data, user=request.user, today=today, creer=creer)
    if creer and form.is_valid():
        try:
            demande = services.demande_create(
                by=request.user,
                decision=form.decision,
                mois=form.cleaned_data["mois"],
                dispositif=form.cleaned_data["dispositif"],
                today=today,
            )
        except DemandeInvalide as exc:
            add_errors(form, _avec_lien_demande_existante(request, form, exc.erreurs))
        except ActionRefusee as exc:
            form.add_error(None, exc.reason)
        else:
            messages.success(
                request,
                f"La demande {demande.numero} est créée. Saisissez ou importez les salariés, puis cliquez sur CALCULER.",
            )
            return redirect("indemnisation:saisie", numero=demande.numero)
    elif data is not None:
        form.is_valid()  # the code's step: its message, or the month's fields
    return render(request, "indemnisation/saisie/nouvelle.html", {"form": form, "decision": form.decision})


def _avec_lien_demande_existante(request, form, erreurs: dict) -> dict:
    """The month already has a DI (services.DEJA_DEPOSEE): its message links to it."""
    existing = selectors.demandes_for_user(
        user=request.user, decision=form.decision, mois=form.cleaned_data["mois"]
    ).first()
    if "mois" not in erreurs or existing is None or existing.numero not in erreurs["mois"]:
        return erreurs
    name = "indemnisation:saisie" if existing.is_editable else "indemnisation:detail"
    lien = format_html(
        '<span>{} <a href="{}">Ouvrir la demande {}</a></span>',
        erreurs["mois"],
        reverse(name, args=[existing.numero]),
        existing.numero,
    )
    return {**erreurs, "mois": lien}


# --- The DI's page -------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def demande_saisie(request, numero):
    demande = _demande_or_404(request, numero)
    if not demande.is_editable:
        return redirect("indemnisation:detail", numero=demande.numero)
    if request.method == "GET":
        return _page(request, demande, formset=_formset(demande))
    action = request.POST.get("action")
    if action == IMPORTER:
        return _importer(request, demande)
    if action == RECOPIER:
        return _recopier(request, demande)
    if _trop_de_lignes(demande):  # no rows in the page: ENVOYER sends the rows imported
        return _envoyer(request, demande, formset=None) if action == ENVOYER else redirect(request.path)
    if action == AJOUTER:
        return _page(request, demande, formset=_formset_agrandi(request.POST))
    return _calculer(request, demande, _formset(demande, data=request.POST), envoyer=action == ENVOYER)


def _trop_de_lignes(demande) -> bool:
    return demande.nb_salaries > SAISIE_LIGNES_MAX


def _saisi(value) -> str:
    """A stored number as the employer types it: 35.00 → « 35 », 151.67 → « 151,67 »."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _formset(demande, data=None):
    if data is not None:
        return salarie_formset(extra=0, max_num=SAISIE_LIGNES_MAX)(data)
    if _trop_de_lignes(demande):
        return None
    initial = [
        {
            "nom": salarie.nom,
            "prenom": salarie.prenom,
            "nir": salarie.nir,
            "contrat": salarie.contrat,
            "duree_hebdomadaire": _saisi(salarie.duree_hebdomadaire),
            "salaire_brut_mensuel": _saisi(salarie.salaire_brut_mensuel),
            "heures_chomees": _saisi(salarie.heures_chomees),
        }
        for salarie in demande.salaries.order_by("position")
    ]
    extra = LIGNES_VIDES if initial else 2 * LIGNES_VIDES
    return salarie_formset(extra=extra, max_num=SAISIE_LIGNES_MAX)(initial=initial)


def _formset_agrandi(post):
    """« Ajouter des lignes »: what was typed, and empty rows after it."""
    data = post.copy()
    try:
        total = int(data.get("form-TOTAL_FORMS", 0))
    except ValueError:
        total = 0
    data["form-TOTAL_FORMS"] = str(min(total + LIGNES_VIDES, SAISIE_LIGNES_MAX))
    return salarie_formset(extra=0, max_num=SAISIE_LIGNES_MAX)(data)


def _lignes_saisies(formset) -> tuple[list[dict], list[int]]:
    """The rows typed (the empty ones left out), and the index of each one's form."""
    formset.is_valid()  # each form's cleaned_data, for the errors added to it
    rows, positions = [], []
    for index, form in enumerate(formset.forms):
        if not form.is_blank():
            rows.append({**form.typed(), "rang": index + 1})  # the row's number on the page, for the messages
            positions.append(index)
    return rows, positions


def _calculer(request, demande, formset, *, envoyer: bool):
    """CALCULER: the rows typed replace the DI's and are computed. ENVOYER: the same, then the DI is sent."""
    rows, positions = _lignes_saisies(formset)
    try:
        demande = services.demande_calculate(demande=demande, by=request.user, rows=rows)
    except (DemandeInvalide, ActionRefusee) as exc:
        return _refus(request, demande, formset, positions, exc)
    if envoyer:
        return _envoyer(request, demande, formset=formset, positions=positions)
    messages.success(request, f"Les montants sont calculés pour {_salaries(demande.nb_salaries)}.")
    return redirect("indemnisation:saisie", numero=demande.numero)


def _envoyer(request, demande, *, formset, positions=None):
    try:
        demande = services.demande_send(demande=demande, by=request.user)
    except (DemandeInvalide, ActionRefusee) as exc:
        return _refus(request, demande, formset, positions, exc)
    if demande.statut == Statut.ENVOYEE:
        messages.success(request, f"La demande {demande.numero} est envoyée à l'unité départementale.")
    return redirect("indemnisation:detail", numero=demande.numero)


def _refus(request, demande, formset, positions, exc):
    """The page again, the typing kept: each row's errors next to its fields (or listed when the rows are not in the
    page), the others at the top."""
    if isinstance(exc, ActionRefusee):
        return _page(request, demande, formset=formset, erreurs=[exc.reason], status=200)
    erreurs = list(exc.erreurs.values())
    if formset is not None and positions is not None:
        for index, fields in exc.lignes.items():
            form = formset.forms[positions[index]]
            for field, message in fields.items():
                if message not in form.errors.get(field, []):  # a tampered contract: said once
                    form.add_error(field if field in form.fields else None, message)
    else:
        salaries = list(demande.salaries.order_by("position"))
        for index, fields in sorted(exc.lignes.items()):
            salarie = salaries[index] if index < len(salaries) else None
            qui = f"Salarié n° {index + 1}" + (f" ({salarie.nom} {salarie.prenom})" if salarie else "")
            erreurs.extend(
                f"{qui} — {LIBELLES_LIGNE.get(field, field)} : {message}" for field, message in fields.items()
            )
    return _page(request, demande, formset=formset, erreurs=erreurs, lignes_en_erreur=bool(exc.lignes))


def _recopier(request, demande):
    try:
        demande = services.demande_copy_previous(demande=demande, by=request.user)
    except (DemandeInvalide, ActionRefusee) as exc:
        if isinstance(exc, ActionRefusee):
            messages.error(request, exc.reason)
        else:
            for message in exc.erreurs.values():
                messages.warning(request, message)
            if exc.lignes:
                messages.warning(request, "Les salariés du mois précédent ne peuvent pas être recopiés tels quels.")
        return redirect("indemnisation:saisie", numero=demande.numero)
    messages.success(request, f"{_salaries(demande.nb_salaries, 'recopié')} du mois précédent.")
    return redirect("indemnisation:saisie", numero=demande.numero)


def _importer(request, demande):
    """The CSV file's rows replace the DI's (CALCULER), or nothing is written and every bad line is listed."""
    form = ImportCsvForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, demande, formset=_formset(demande), import_form=form)
    rows, erreurs_fichier = csv_import.lire_csv(form.cleaned_data["fichier"].read())
    if erreurs_fichier:
        # Nothing is written; the values of the lines read are checked too, to list every error at once.
        erreurs = _erreurs_import(rows, erreurs_fichier, checks.verifier_lignes(rows)[1])
    else:
        try:
            demande = services.demande_calculate(demande=demande, by=request.user, rows=rows)
        except ActionRefusee as exc:
            erreurs = [exc.reason]
        except DemandeInvalide as exc:
            erreurs = list(exc.erreurs.values()) + _erreurs_import(rows, [], exc.lignes)
        else:
            messages.success(request, f"{_salaries(demande.nb_salaries, 'importé')}.")
            return redirect("indemnisation:saisie", numero=demande.numero)
    if len(erreurs) > ERREURS_AFFICHEES_MAX:
        reste = len(erreurs) - ERREURS_AFFICHEES_MAX
        erreurs = [*erreurs[:ERREURS_AFFICHEES_MAX], f"… et {reste} autres erreurs."]
    form.add_error(
        "fichier", "Le fichier n'est pas importé : corrigez les lignes signalées puis importez-le de nouveau."
    )
    return _page(request, demande, formset=_formset(demande), import_form=form, erreurs_import=erreurs)


def _ligne_du_fichier(ligne: int, message: str) -> str:
    return f"Ligne {ligne} — {message}" if ligne else message


def _erreurs_import(rows, erreurs_fichier, par_ligne) -> list[str]:
    """Every error, by line of the file: « Ligne 7 — NIR : Le NIR n'est pas valide… »."""
    found = list(erreurs_fichier)
    for index, fields in par_ligne.items():
        ligne = rows[index].get("ligne", index + 2)
        for field, message in fields.items():
            found.append((ligne, f"{LIBELLES_LIGNE.get(field, field)} : {message}"))
    found.sort(key=lambda item: item[0])
    return [_ligne_du_fichier(ligne, message) for ligne, message in found]


def _salaries(count: int, participe: str = "") -> str:
    """ "1 salarié", "300 salariés importés"."""
    s = "s" if count > 1 else ""
    return f"{count} salarié{s}" + (f" {participe}{s}" if participe else "")


def _page(
    request,
    demande,
    *,
    formset,
    erreurs=(),
    lignes_en_erreur=False,
    import_form=None,
    erreurs_import=(),
    status=200,
):
    en_erreur = bool(erreurs or lignes_en_erreur or erreurs_import)
    montants = None
    if demande.calculated_at and demande.nb_salaries and not en_erreur:
        montants = Paginator(demande.salaries.order_by("position"), MONTANTS_PAR_PAGE).get_page(request.GET.get("page"))
    context = {
        "demande": demande,
        "establishment": demande.establishment,
        "decision": demande.decision,
        "mois": format_mois(demande.mois),
        "formset": formset,
        "trop_de_lignes": _trop_de_lignes(demande),
        "saisie_lignes_max": SAISIE_LIGNES_MAX,
        "erreurs": erreurs,
        "lignes_en_erreur": lignes_en_erreur,
        "import_form": import_form or ImportCsvForm(),
        "erreurs_import": erreurs_import,
        "montants": montants,
        "can_send": can_submit_to_administration(request.user, demande.establishment),
        "colonnes_csv": csv_import.ENTETE,
        "menu": "di",
    }
    return render(request, "indemnisation/saisie/saisie.html", context, status=status)


# --- Delete, and the CSV template ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def demande_delete_view(request, numero):
    demande = _demande_or_404(request, numero)
    if not demande.is_deletable:
        messages.error(request, "Cette demande n'est plus provisoire : elle ne peut pas être supprimée.")
        return redirect("indemnisation:detail", numero=demande.numero)
    if request.method == "GET":
        return render(request, "indemnisation/saisie/supprimer.html", {"demande": demande, "menu": "di"})
    try:
        deleted = services.demande_delete(demande=demande, by=request.user)
    except ActionRefusee as exc:
        messages.error(request, exc.reason)
        return redirect("indemnisation:detail", numero=demande.numero)
    if not deleted:
        messages.error(request, "Cette demande n'est plus provisoire : elle ne peut pas être supprimée.")
        return redirect("indemnisation:detail", numero=demande.numero)
    messages.success(request, f"La demande {numero} est supprimée.")
    return redirect("indemnisation:list")


@login_required
@require_GET
def modele_csv(request):
    response = HttpResponse(csv_import.modele_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="modele-salaries-demande-indemnisation.csv"'
    return response
