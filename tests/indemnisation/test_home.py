import pytest

from tests.indemnisation.helpers import make_decision, make_di, make_employer

pytestmark = pytest.mark.django_db


def test_the_space_home_lists_the_users_latest_dis_and_not_the_others(client):
    establishment, user = make_employer()
    mine = make_di(make_decision(establishment, user), user)
    other_establishment, other = make_employer()
    theirs = make_di(make_decision(other_establishment, other), other)
    client.force_login(user)

    html = client.get("/espace/").content.decode()

    assert mine.numero in html and f"/espace/di/{mine.numero}/" in html
    assert theirs.numero not in html
    assert "Bientôt disponible" not in html
