"""ASP staff read the DAPs and décisions in the admin, and change nothing there."""

import pytest

from dap.services import demande_accept, demande_save, demande_send

from .conftest import days, valid_data

pytestmark = pytest.mark.django_db


def test_staff_read_a_dap_with_its_history_and_its_decision(staff_client, employer, establishment, ud_agent):
    demande = demande_save(by=employer, establishment=establishment, data=valid_data())
    demande_send(demande=demande, by=employer)
    decision = demande_accept(
        demande=demande, by=ud_agent, heures_autorisees="80", date_debut=days(1), date_fin=days(14)
    )

    listing = staff_client.get("/admin/dap/demandeautorisation/", {"q": establishment.siret}).content.decode()
    assert demande.numero in listing
    page = staff_client.get(f"/admin/dap/demandeautorisation/{demande.pk}/change/").content.decode()
    assert "Envoyée à l&#x27;UD" in page and "Acceptée" in page
    assert "FR76 … 0189" in page and "FR7630006000011234567890189" not in page
    assert 'name="_save"' not in page
    found = staff_client.get("/admin/dap/decision/", {"q": decision.code_di}).content.decode()
    assert decision.numero in found
    assert staff_client.post(f"/admin/dap/demandeautorisation/{demande.pk}/delete/").status_code == 403
