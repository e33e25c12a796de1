"""`python manage.py create_agent IDENTIFIANT --courriel C --departements 75,92 --password P`."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from apart.outbox.models import OutboxEmail
from audit.models import StaffAction
from instruction.models import AgentUD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Agent-UD-2026;"


def create_agent(*args):
    out = io.StringIO()
    call_command("create_agent", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_creates_a_ud_agent_of_its_departements_never_asp_staff():
    out = create_agent(
        "agent.ud75", "--courriel", "Agent.UD75@ddets.example", "--departements", "92,75", "--password", PASSWORD
    )

    assert "Agent d'UD agent.ud75 créé : départements 75, 92" in out
    user = User.objects.get(identifiant="agent.ud75")
    assert user.check_password(PASSWORD) and user.courriel == "agent.ud75@ddets.example"
    assert not user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Agent UD"]
    assert user.agent_ud.departement_codes == ["75", "92"]
    assert not user.must_change_password and user.must_set_secret_question
    action = StaffAction.objects.get(action="agent_ud_create")
    assert action.actor is None and action.target_user == user
    assert not OutboxEmail.objects.exists()  # the password was given: nothing to send


def test_corsica_and_the_dom_are_departements_too():
    create_agent("agent.corse", "--courriel", "c@ddets.example", "--departements", "2a,2B,971", "--password", PASSWORD)

    assert AgentUD.objects.get(user__identifiant="agent.corse").departement_codes == ["2A", "2B", "971"]


def test_without_a_password_a_temporary_one_is_e_mailed():
    from tests.factories import delivered_text

    out = create_agent("agent.ud33", "--courriel", "ud33@ddets.example", "--departements", "33")

    assert "mot de passe provisoire envoyé par courriel" in out
    user = User.objects.get(identifiant="agent.ud33")
    assert user.must_change_password and user.password_expires_at is not None
    email = OutboxEmail.objects.get(kind="agent_ud_compte", to="ud33@ddets.example")
    text = delivered_text(email)
    assert "agent.ud33" in text and "départements 33" in text
    password = text.split("mot de passe provisoire : [")[1].split("]")[0]
    assert user.check_password(password)
    assert password not in email.body_text  # sealed until sent


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--departements", "75,20"], "Département inconnu : 20"),
        (["--departements", "99"], "Département inconnu : 99"),
        (["--departements", ","], "au moins un département"),
        (["--departements", "75", "--password", "court"], "Votre mot de passe est trop court"),
        (["--departements", "75", "--password", "sansmajuscule-2026;"], "majuscule"),
        (["--departements", "75", "--courriel", "pas-un-courriel"], "courriel"),
    ],
)
def test_bad_input_is_refused_in_french_with_exit_code_1_and_nothing_created(args, message):
    options = {"--courriel": "agent@ddets.example", "--password": PASSWORD}
    for index in range(0, len(args), 2):
        options[args[index]] = args[index + 1]
    flat = [item for pair in options.items() for item in pair]

    with pytest.raises(CommandError, match=message) as refused:
        create_agent("agent.ud75", *flat)

    assert refused.value.returncode == 1
    assert not User.objects.filter(identifiant="agent.ud75").exists()
    assert not AgentUD.objects.exists()


def test_an_identifiant_or_a_courriel_already_taken_is_refused_and_the_account_left_alone():
    existing = UserFactory(identifiant="agent.ud75", courriel="pris@example.fr")

    with pytest.raises(CommandError, match="L'identifiant « AGENT.UD75 » est déjà pris"):
        create_agent("AGENT.UD75", "--courriel", "autre@ddets.example", "--departements", "75", "--password", PASSWORD)
    with pytest.raises(CommandError, match="Un compte existe déjà avec le courriel"):
        create_agent("agent.ud92", "--courriel", "Pris@example.fr", "--departements", "92", "--password", PASSWORD)

    assert not existing.groups.exists() and not AgentUD.objects.exists()
    assert not User.objects.filter(identifiant="agent.ud92").exists()


def test_the_command_runs_as_the_issue_writes_it(tmp_path):
    """Through manage.py, as an operator types it: exit code 0, then 1 when run again."""
    import subprocess
    import sys

    from django.conf import settings

    # The subprocess has its own database connection: only what the test database would hold. Check the parser.
    result = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "create_agent", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    for option in ("--courriel", "--departements", "--password"):
        assert option in result.stdout
