"""Every admin action of every app asks for a right, and a staff member who may only read gets none of them."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def registered_actions():
    """(model admin, action name) for every action of every registered model admin, Django's delete included."""
    pairs = []
    for model, model_admin in admin.site._registry.items():
        for name in [*(model_admin.actions or []), "delete_selected"]:
            pairs.append(pytest.param(model, name, id=f"{model._meta.label_lower}.{name}"))
    return pairs


def request_of(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.fixture
def reader():
    """A staff member who may read every model of the admin, and do nothing else."""
    user = UserFactory(is_staff=True, identifiant="lecteur.asp")
    user.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    return UserFactory._meta.model.objects.get(pk=user.pk)  # fresh: no cached permissions


@pytest.mark.parametrize(("model", "action"), registered_actions())
def test_each_action_declares_the_right_it_needs(model, action):
    model_admin = admin.site._registry[model]
    function = model_admin.get_action(action)[0]

    assert getattr(function, "allowed_permissions", ()), f"{model_admin}.{action} ne déclare aucune permission"


@pytest.mark.parametrize(("model", "action"), registered_actions())
def test_a_reader_is_refused_every_action(reader, model, action):
    """The admin runs only what `get_actions` offers: a forged POST of another action is answered "no action"."""
    model_admin = admin.site._registry[model]

    assert action not in model_admin.get_actions(request_of(reader))


@pytest.mark.parametrize(
    ("permissions", "refused"),
    [
        # Editing a request's fields is not settling it: each action has its own right.
        (["view_accountrequest", "change_accountrequest"], ["approve_selected", "reject_selected", "resend_emails"]),
        (["view_habilitation", "change_habilitation"], ["resend_account_emails"]),
    ],
)
def test_the_right_to_edit_does_not_give_the_actions(permissions, refused):
    from habilitations.models import AccountRequest, Habilitation

    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
    user = UserFactory._meta.model.objects.get(pk=user.pk)
    model = AccountRequest if "view_accountrequest" in permissions else Habilitation

    offered = admin.site._registry[model].get_actions(request_of(user))

    assert not set(refused) & set(offered)
