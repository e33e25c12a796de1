from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .forms import (
    CourrielChangeForm,
    FirstLoginPasswordForm,
    ForgottenIdentifiantForm,
    ForgottenPasswordForm,
    PasswordResetForm,
    ProfileForm,
    ReminderPreferencesForm,
    SecretAnswerForm,
    SecretQuestionChangeForm,
    TwoFactorCodeForm,
    TwoFactorEnrolForm,
)
from .lockout import current_password_failed, current_password_lockout, is_locked_out, lockout_response, minutes_left
from .recovery import (
    TOKEN_STATES,
    Challenge,
    RecoveryLocked,
    lockout_remaining,
    password_reset_complete,
    password_reset_token_check,
    rate_limited,
    recovery_answer,
    recovery_start,
)
from .roles import is_agent_ud
from .secret_questions import is_listed
from .services import (
    CourrielChangeLinkInvalid,
    courriel_change_new_courriel,
    courriel_change_token_valid,
    user_courriel_change_confirm,
    user_courriel_change_request,
    user_password_change,
    user_profile_update,
    user_reminder_preferences_update,
    user_secret_question_change,
)
from .two_factor import (
    CodeCheck,
    confirmed_device,
    grace_applies,
    grace_days_left,
    grace_postpone,
    normalize_code,
    pending_login,
    qr_code_svg,
    second_factor_check,
    text_key,
    two_factor_device_start,
    two_factor_disable,
    two_factor_enable,
    two_factor_required,
    two_factor_required_at_once,
)
from .two_factor import code_accepted as two_factor_code_accepted
from .two_factor import code_failed as two_factor_code_failed


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, "Vous êtes déconnecté.")
    return redirect("portal:home")


def _count_wrong_current_password(request, form, field: str) -> None:
    if request.method == "POST" and form.has_error(field, code="password_incorrect"):
        current_password_failed(request)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
@require_http_methods(["GET", "POST"])
def first_login_password(request):
    """« Changement du mot de passe pour <identifiant> », then back to the home page to log in again."""
    if locked := current_password_lockout(request):
        return locked
    form = FirstLoginPasswordForm(request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_password_change(user=request.user, new_password=form.cleaned_data["new_password1"])
        logout(request)
        messages.success(
            request,
            "Votre mot de passe a été changé. Connectez-vous avec votre identifiant et votre nouveau mot de passe.",
        )
        return redirect("portal:home")
    _count_wrong_current_password(request, form, "old_password")
    return render(request, "accounts/first_login_password.html", {"form": form, "policy": form.policy()})


@login_required
@require_http_methods(["GET", "POST"])
def my_account(request):
    """Mon compte: identifiant, état civil, téléphone; links to change e-mail, secret question, password."""
    user = request.user
    form = ProfileForm(
        request.POST or None, initial={"nom": user.nom, "prenom": user.prenom, "telephone": user.telephone}
    )
    if request.method == "POST" and form.is_valid():
        user_profile_update(user=user, **form.cleaned_data)
        messages.success(request, "Vos informations ont été enregistrées.")
        return redirect("accounts:my_account")
    context = {
        "form": form,
        "reminders_form": _reminder_preferences_form(user),
        "menu": "compte",
        "two_factor_enabled": confirmed_device(user) is not None,
    }
    return render(request, "accounts/my_account.html", context)


def _reminder_preferences_form(user, data=None) -> ReminderPreferencesForm:
    initial = {"remind_habilitation_end": user.remind_habilitation_end, "remind_di_to_file": user.remind_di_to_file}
    return ReminderPreferencesForm(data, initial=initial, prefix="rappels")


@login_required
@require_POST
def reminder_preferences(request):
    """« Mon compte » > Rappels par courriel (a form of its own on the Mon compte page)."""
    form = _reminder_preferences_form(request.user, request.POST)
    if form.is_valid():
        user_reminder_preferences_update(user=request.user, **form.cleaned_data)
        messages.success(request, "Vos préférences de rappels par courriel ont été enregistrées.")
    return redirect(f"{reverse('accounts:my_account')}#rappels")


@sensitive_post_parameters("current_password")
@login_required
@require_http_methods(["GET", "POST"])
def courriel_change(request):
    if locked := current_password_lockout(request):
        return locked
    form = CourrielChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_courriel_change_request(user=request.user, new_courriel=form.cleaned_data["courriel"])
        messages.success(
            request,
            f"Un courriel de confirmation a été envoyé à {form.cleaned_data['courriel']} : cliquez sur le lien "
            "qu'il contient (valable 24 heures) pour que le changement prenne effet.",
        )
        return redirect("accounts:my_account")
    _count_wrong_current_password(request, form, "current_password")
    return render(request, "accounts/form_page.html", {"form": form, "title": "Changer mon courriel"})


# Token links (as Django's PasswordResetConfirmView): the token moves to the session and the page is served at a
# URL without it, so it never sits in access logs, browser history or a Referer header.
COURRIEL_CONFIRM_SESSION_KEY = "courriel_change_token"
PASSWORD_RESET_SESSION_KEY = "password_reset_token"


def _courriel_link_invalid(request):
    return render(request, "accounts/courriel_confirm.html", {"invalid": True}, status=400)


@require_http_methods(["GET", "POST"])
def courriel_confirm(request, token):
    """The link sent to the new address."""
    if not courriel_change_token_valid(token=token):
        return _courriel_link_invalid(request)
    request.session[COURRIEL_CONFIRM_SESSION_KEY] = token
    return redirect("accounts:courriel_confirm_form")


@require_http_methods(["GET", "POST"])
def courriel_confirm_form(request):
    """Shown first, applied by POST (mail scanners follow links)."""
    token = request.session.get(COURRIEL_CONFIRM_SESSION_KEY) or ""
    if request.method == "POST":
        try:
            user_courriel_change_confirm(token=token)
        except CourrielChangeLinkInvalid:
            return _courriel_link_invalid(request)
        request.session.pop(COURRIEL_CONFIRM_SESSION_KEY, None)
        messages.success(request, "Votre nouveau courriel est enregistré.")
        return redirect("accounts:my_account" if request.user.is_authenticated else "portal:home")
    new_courriel = courriel_change_new_courriel(token=token)
    if new_courriel is None:
        return _courriel_link_invalid(request)
    return render(request, "accounts/courriel_confirm.html", {"invalid": False, "new_courriel": new_courriel})


@sensitive_post_parameters("current_password", "secret_answer")
@login_required
@require_http_methods(["GET", "POST"])
def secret_question_change(request):
    if locked := current_password_lockout(request):
        return locked
    current = request.user.secret_question
    form = SecretQuestionChangeForm(
        request.user, request.POST or None, initial={"secret_question": current if is_listed(current) else ""}
    )
    if request.method == "POST" and form.is_valid():
        user_secret_question_change(
            user=request.user, question=form.cleaned_data["secret_question"], answer=form.cleaned_data["secret_answer"]
        )
        messages.success(request, "Votre question secrète et sa réponse sont enregistrées.")
        return redirect("accounts:my_account")
    _count_wrong_current_password(request, form, "current_password")
    context = {"form": form, "title": "Changer ma question secrète"}
    if request.user.must_set_secret_question and current and not is_listed(current):
        context["notice"] = (
            "Les questions secrètes se choisissent désormais dans une liste : choisissez-en une, avec sa réponse. "
            "Elle vous permettra de retrouver votre identifiant ou votre mot de passe."
        )
    elif request.user.must_set_secret_question:
        context["notice"] = (
            "Votre question secrète a été réinitialisée par l'assistance : choisissez-en une nouvelle, avec sa "
            "réponse. Elle vous permettra de retrouver votre identifiant ou votre mot de passe."
        )
    return render(request, "accounts/form_page.html", context)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    if locked := current_password_lockout(request):
        return locked
    form = FirstLoginPasswordForm(request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_password_change(user=request.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)  # this session goes on; the others end
        messages.success(request, "Votre mot de passe a été changé, pour tous les extranets de l'ASP.")
        return redirect("accounts:my_account")
    _count_wrong_current_password(request, form, "old_password")
    context = {"form": form, "title": "Changer mon mot de passe", "policy": form.policy()}
    return render(request, "accounts/form_page.html", context)


# --- Double authentification ---------------------------------------------------------------------

WRONG_CODE = "Le code de vérification est incorrect ou a expiré : saisissez le code affiché en ce moment par votre application, ou un de vos codes de secours."
WRONG_ENROL_CODE = (
    "Le code de vérification est incorrect ou a expiré : saisissez le code affiché en ce moment par votre application."
)
WAIT_CODE = (
    "Trop de codes erronés à la suite : attendez quelques secondes, puis saisissez le code affiché à ce moment par "
    "votre application."
)
ENROL_SESSION_KEY = "two_factor_enrol_device"


def _code_throttled(device, form) -> bool:
    """django-otp refuses every code of the app for a while after a wrong one (1 s, 2, 4…): a right code typed then
    is told to wait, not that it is wrong. Checked before the code (a refused check consumes nothing)."""
    if device is None or not normalize_code(form.cleaned_data["code"]).isdigit():
        return False
    if device.verify_is_allowed()[0]:
        return False
    form.add_error("code", forms.ValidationError(WAIT_CODE, code="throttled"))
    return True


def _home_of(user) -> str:
    if user.is_staff:
        return "admin:index"
    return "instruction:home" if is_agent_ud(user) else "espace:home"


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The login's second step: « Code de vérification » (or a recovery code), after the password."""
    pending = pending_login(request)
    if pending is None:
        return redirect("portal:home")
    if request.user.pk == pending.user.pk and request.user.is_verified():
        return redirect(_home_of(request.user))
    if confirmed_device(pending.user) is None:
        return redirect("accounts:two_factor_enrol")
    if is_locked_out(request, pending.username):
        return lockout_response(request, credentials={"username": pending.username})
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        throttled = _code_throttled(confirmed_device(pending.user), form)  # still a failure for the lockout
        check = CodeCheck(device=None) if throttled else second_factor_check(user=pending.user, code=code)
        if check.device is not None:
            two_factor_code_accepted(request, pending=pending, device=check.device)
            if check.recovery_codes_left is not None:
                messages.warning(
                    request,
                    f"Vous vous êtes connecté avec un code de secours, qui ne servira plus. Il vous en reste "
                    f"{check.recovery_codes_left} : vous pouvez en générer de nouveaux depuis « Mon compte ».",
                )
            return redirect(pending.next_url or _home_of(pending.user))
        two_factor_code_failed(request, username=pending.username)
        if is_locked_out(request, pending.username):
            return lockout_response(request, credentials={"username": pending.username})
        if not throttled:
            form.add_error("code", forms.ValidationError(WRONG_CODE, code="wrong_code"))
    return render(request, "accounts/two_factor_verify.html", {"form": form})


@login_required
def two_factor(request):
    """Mon compte › Double authentification: its state, and the way to turn it on or off."""
    user = request.user
    device = confirmed_device(user)
    context = {
        "device": device,
        "required": two_factor_required(user),
        "codes_left": user.two_factor_recovery_codes.unused().count(),
        "form": TwoFactorCodeForm(),
        "menu": "compte",
    }
    if device is None and grace_applies(request, user) and user.two_factor_grace_started_at is not None:
        context["grace_days_left"] = grace_days_left(user)
    return render(request, "accounts/two_factor.html", context)


@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request):
    """QR code and text key of a new key; a code from the app confirms it; the recovery codes are shown once."""
    user = request.user
    device = None
    form = TwoFactorEnrolForm(request.POST or None, replacing=confirmed_device(user) is not None)
    if request.method == "POST":
        device_id = request.session.get(ENROL_SESSION_KEY)
        enrolled = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first() if device_id else None
        current_refused = (
            form.is_valid()
            and form.replacing
            and second_factor_check(user=user, code=form.cleaned_data["current_code"]).device is None
        )
        if current_refused:
            form.add_error("current_code", forms.ValidationError(WRONG_CODE, code="wrong_code"))
        if form.is_valid() and device_id and not _code_throttled(enrolled, form):
            enabled = two_factor_enable(user=user, device_id=device_id, code=form.cleaned_data["code"])
            if enabled is not None:
                device, codes = enabled
                del request.session[ENROL_SESSION_KEY]
                otp_login(request, device)
                # Rendered here, not after a redirect: the codes in clear are never stored anywhere.
                return render(request, "accounts/two_factor_codes.html", {"codes": codes, "next": _home_of(user)})
            form.add_error("code", forms.ValidationError(WRONG_ENROL_CODE, code="wrong_code"))
        device = enrolled
    if device is None:
        device = two_factor_device_start(user=user)
        request.session[ENROL_SESSION_KEY] = device.pk
    context = {
        "form": form,
        "qr_code": qr_code_svg(device),
        "text_key": text_key(device),
        "required": two_factor_required(user),
        "menu": "compte",
    }
    if confirmed_device(user) is None and not user.is_verified() and grace_applies(request, user):
        context["grace"] = {
            "days_left": grace_days_left(user),
            "threshold": settings.TWO_FACTOR_ESTABLISHMENTS_THRESHOLD,
            "days": settings.TWO_FACTOR_GRACE_DAYS,
        }
    return render(request, "accounts/two_factor_enrol.html", context, status=200)


@login_required
@require_POST
def two_factor_later(request):
    """« Plus tard », during the grace period of an account required it by a rule (more than 50 establishments)."""
    user = request.user
    if grace_postpone(request, user):
        days = grace_days_left(user)
        messages.info(
            request,
            f"Il vous reste {days} jour{'s' if days > 1 else ''} pour activer la double authentification : « Mon "
            "compte » › « Double authentification ».",
        )
        return redirect(_home_of(user))
    if grace_applies(request, user) and not two_factor_required_at_once(user):
        messages.error(request, "Le délai est écoulé : activez la double authentification pour accéder à votre espace.")
    return redirect("accounts:two_factor_enrol")


@sensitive_post_parameters("code")
@login_required
@require_POST
def two_factor_disable_view(request):
    user = request.user
    if two_factor_required(user):
        messages.error(request, "La double authentification est obligatoire pour votre compte : elle reste activée.")
        return redirect("accounts:two_factor")
    form = TwoFactorCodeForm(request.POST)
    if (
        form.is_valid()
        and not _code_throttled(confirmed_device(user), form)
        and second_factor_check(user=user, code=form.cleaned_data["code"]).device is not None
    ):
        two_factor_disable(user=user)
        messages.success(request, "La double authentification est désactivée.")
        return redirect("accounts:two_factor")
    if form.is_valid():
        form.add_error("code", forms.ValidationError(WRONG_CODE, code="wrong_code"))
    context = {
        "device": confirmed_device(user),
        "required": False,
        "codes_left": user.two_factor_recovery_codes.unused().count(),
        "form": form,
        "menu": "compte",
    }
    return render(request, "accounts/two_factor.html", context)


# --- Credential recovery -------------------------------------------------------------------------

RECOVERY_SESSION_KEY = "recovery"
FLOWS = {
    "password": {
        "heading": "GESTION DU MOT DE PASSE",
        "title": "J'ai oublié mon mot de passe",
        "what": "votre mot de passe",
        "step1": "accounts:forgotten_password",
        "question": "accounts:forgotten_password_question",
        "sent": "accounts:forgotten_password_sent",
    },
    "identifiant": {
        "heading": "GESTION DE L'IDENTIFIANT",
        "title": "J'ai oublié mon identifiant",
        "what": "votre identifiant",
        "step1": "accounts:forgotten_identifiant",
        "question": "accounts:forgotten_identifiant_question",
        "sent": "accounts:forgotten_identifiant_sent",
    },
}
RATE_LIMITED = "Trop de demandes ont été faites : réessayez dans 15 minutes."


def _recovery_step1(request, *, flow, form_class, field, template):
    form = form_class(request.POST or None)
    context = {"form": form, "flow": FLOWS[flow]}
    if request.method == "POST" and form.is_valid():
        ip_address = get_client_ip_address(request)
        typed = form.cleaned_data[field]
        if rate_limited(flow=flow, typed=typed, ip_address=ip_address):
            form.add_error(None, RATE_LIMITED)
            return render(request, template, context, status=429)
        challenge = recovery_start(flow=flow, typed=typed, ip_address=ip_address)
        request.session[RECOVERY_SESSION_KEY] = challenge.as_session()
        return redirect(FLOWS[flow]["question"])
    return render(request, template, context)


def _recovery_question(request, *, flow):
    challenge = Challenge.from_session(request.session.get(RECOVERY_SESSION_KEY), flow)
    if challenge is None:
        return redirect(FLOWS[flow]["step1"])
    form = SecretAnswerForm(request.POST or None)
    context = {"form": form, "flow": FLOWS[flow], "flow_name": flow, "question": challenge.question}
    remaining = lockout_remaining(challenge)
    if request.method == "POST" and form.is_valid() and not remaining:
        try:
            sent = recovery_answer(
                challenge=challenge, answer=form.cleaned_data["answer"], ip_address=get_client_ip_address(request)
            )
        except RecoveryLocked as locked:
            remaining = locked.remaining
        else:
            if sent:
                del request.session[RECOVERY_SESSION_KEY]
                return redirect(FLOWS[flow]["sent"])
            form.add_error("answer", forms.ValidationError("Votre réponse est incorrecte", code="wrong_answer"))
            remaining = lockout_remaining(challenge)
    if remaining:
        context["locked_minutes"] = minutes_left(remaining)
    return render(request, "accounts/recovery/question.html", context, status=429 if remaining else 200)


@require_http_methods(["GET", "POST"])
def forgotten_password(request):
    return _recovery_step1(
        request,
        flow="password",
        form_class=ForgottenPasswordForm,
        field="identifiant",
        template="accounts/recovery/forgotten_password.html",
    )


@require_http_methods(["GET", "POST"])
def forgotten_password_question(request):
    return _recovery_question(request, flow="password")


@require_http_methods(["GET", "POST"])
def forgotten_identifiant(request):
    return _recovery_step1(
        request,
        flow="identifiant",
        form_class=ForgottenIdentifiantForm,
        field="courriel",
        template="accounts/recovery/forgotten_identifiant.html",
    )


@require_http_methods(["GET", "POST"])
def forgotten_identifiant_question(request):
    return _recovery_question(request, flow="identifiant")


def forgotten_password_sent(request):
    return render(request, "accounts/recovery/sent.html", {"flow": FLOWS["password"], "flow_name": "password"})


def forgotten_identifiant_sent(request):
    return render(request, "accounts/recovery/sent.html", {"flow": FLOWS["identifiant"], "flow_name": "identifiant"})


def _reset_link_refused(request, state: str):
    context = {"flow": FLOWS["password"], "message": TOKEN_STATES[state]}
    return render(request, "accounts/recovery/reset_invalid.html", context, status=400 if state == "unknown" else 410)


@require_http_methods(["GET", "POST"])
def password_reset(request, token):
    """The e-mailed link: its token moves to the session, the form is at a URL without it."""
    _row, state = password_reset_token_check(token)
    if state != "valid":
        return _reset_link_refused(request, state)
    request.session[PASSWORD_RESET_SESSION_KEY] = token
    return redirect("accounts:password_reset_form")


@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_reset_form(request):
    """« Vous devez indiquer votre nouveau mot de passe »."""
    token = request.session.get(PASSWORD_RESET_SESSION_KEY) or ""
    row, state = password_reset_token_check(token)
    if state != "valid":
        return _reset_link_refused(request, state)
    form = PasswordResetForm(row.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = password_reset_complete(
            token=token, new_password=form.cleaned_data["new_password1"], ip_address=get_client_ip_address(request)
        )
        if user is not None:
            request.session.pop(PASSWORD_RESET_SESSION_KEY, None)
            return render(request, "accounts/recovery/reset_done.html", {"flow": FLOWS["password"]})
    context = {"form": form, "flow": FLOWS["password"], "courriel": row.user.courriel, "policy": form.policy()}
    return render(request, "accounts/recovery/reset.html", context)
