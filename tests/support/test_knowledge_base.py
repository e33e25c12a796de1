"""BESOIN D'AIDE ? : the knowledge base, its search, its articles managed by staff, and the seeded content."""

import pytest
from django.db import connection
from django.urls import reverse

from support.enums import ArticleCategory
from support.models import Article
from support.selectors import articles_search
from support.text import article_html
from tests.factories import UserFactory, two_factor_login

pytestmark = pytest.mark.django_db

HELP = reverse("support:help")


def article(**fields):
    values = {
        "title": "Vous n'avez toujours rien reçu ?",
        "slug": "test-rien-recu",
        "category": ArticleCategory.COURRIELS,
        "body": "Vérifiez le dossier des courriers indésirables de votre messagerie.",
        **fields,
    }
    return Article.objects.create(**values)


@pytest.fixture(autouse=True)
def _no_seeded_articles():
    # The data migration's articles are in the test database: each test here starts from its own.
    Article.objects.all().delete()


def test_the_help_page_says_what_it_is_and_lists_the_articles_by_rubrique(client):
    article(title="Créer l'espace de mon établissement", slug="a", category=ArticleCategory.CREER_MON_ESPACE)
    article(title="Première connexion", slug="b", category=ArticleCategory.CONNEXION, order=1)
    article(title="Article dépublié", slug="c", is_published=False)

    html = client.get(HELP).content.decode()

    assert "<h1>Besoin d'aide ?</h1>" in html
    assert "Consultez notre base de connaissances ou contactez le support technique." in html
    assert html.index("Créer mon espace") < html.index("Connexion, identifiant et mot de passe")
    assert 'href="/besoin-d-aide/articles/a/"' in html and "Première connexion" in html
    assert "Article dépublié" not in html
    for contact in ["contact-ap@asp-public.fr", "0820 722 111", "0821 401 400", "0800 705 800", "de 8 h 00 à 18 h 00"]:
        assert contact in html, contact
    assert "0,15 € / appel + prix appel" in html
    assert 'role="search"' in html


def test_an_article_page_renders_its_light_markup_and_escapes_the_rest(client):
    article(
        slug="markup",
        body="Premier paragraphe avec un **mot important**.\n\n- un\n- deux\n\n1. premier\n2. second\n\n"
        "Voir [J'ai oublié mon mot de passe](/mot-de-passe-oublie/) ou <script>alert(1)</script> "
        "[piège](javascript:alert(1)).",
    )

    response = client.get(reverse("support:article", args=["markup"]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>mot important</strong>" in html
    assert "<ul><li>un</li><li>deux</li></ul>" in html
    assert "<ol><li>premier</li><li>second</li></ol>" in html
    assert '<a href="/mot-de-passe-oublie/">J&#x27;ai oublié mon mot de passe</a>' in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_an_unpublished_article_is_a_404(client):
    article(slug="brouillon", is_published=False)

    assert client.get(reverse("support:article", args=["brouillon"])).status_code == 404


def test_the_search_finds_an_article_by_a_word_of_its_body_on_any_database(client):
    article()
    article(title="Première connexion", slug="autre", category=ArticleCategory.CONNEXION, body="Mot de passe.")

    response = client.get(HELP, {"q": "indésirables"})

    html = response.content.decode()
    assert "1 article pour « indésirables »" in html
    assert 'href="/besoin-d-aide/articles/test-rien-recu/"' in html
    assert "<mark>indésirables</mark>" in html
    assert "Première connexion" not in html


def test_a_search_without_result_says_so_and_offers_the_assistance(client):
    article()

    html = client.get(HELP, {"q": "photocopieuse"}).content.decode()

    assert "Aucun article pour « photocopieuse »" in html
    assert "Aucun article ne correspond à votre recherche." in html
    assert 'href="/besoin-d-aide/assistance/"' in html


def test_the_search_query_is_escaped(client):
    html = client.get(HELP, {"q": "<b>spam</b>"}).content.decode()

    assert "<b>spam</b>" not in html and "&lt;b&gt;spam&lt;/b&gt;" in html


@pytest.mark.postgres
def test_postgresql_full_text_search_in_french_finds_an_inflected_word_of_the_body():
    assert connection.vendor == "postgresql"
    article(
        title="Les courriels",
        slug="fts",
        body="Les messages de l'ASP peuvent être bloqués par les serveurs de votre entreprise.",
    )
    article(title="Autre", slug="autre", body="Rien à voir : le navigateur Firefox.")

    # "bloqué" and "serveur" are stems of "bloqués" and "serveurs": French stemming, not a substring match.
    results = articles_search(query="serveur bloqué")

    assert [result.article.slug for result in results] == ["fts"]
    assert "\x02" in results[0].excerpt  # the words found are marked by ts_headline


@pytest.mark.postgres
def test_postgresql_ranks_a_title_match_first():
    article(title="Le navigateur Firefox", slug="titre", body="Utilisez-le.")
    article(title="Autre sujet", slug="corps", body="Ceci mentionne le navigateur une fois.")

    assert [result.article.slug for result in articles_search(query="navigateur")] == ["titre", "corps"]


def test_the_simple_search_ranks_a_title_match_first():
    """The search of SQLite (and PostgreSQL's fallback) weighs titles above bodies, as the full-text one does."""
    from support.selectors import _simple_search

    article(
        title="Première connexion : changer le mot de passe provisoire",
        slug="premiere-connexion",
        category=ArticleCategory.CONNEXION,
        order=1,
        body="Votre mot de passe provisoire : si vous l'avez oublié, passez par le lien.",
    )
    article(
        title="J'ai oublié mon mot de passe",
        slug="mot-de-passe-oublie",
        category=ArticleCategory.CONNEXION,
        order=2,
        body="Cliquez sur le lien de la page d'accueil.",
    )

    results = _simple_search(Article.objects.published(), "mot de passe oublié")

    assert [result.article.slug for result in results] == ["mot-de-passe-oublie", "premiere-connexion"]


def test_a_word_cut_short_still_finds_the_article():
    article(body="Retrouvez votre identifiant de connexion.")

    assert [result.article.slug for result in articles_search(query="identif")] == ["test-rien-recu"]


def test_staff_write_and_publish_articles_in_the_admin(client):
    two_factor_login(client, UserFactory(is_staff=True, is_superuser=True))

    response = client.post(
        reverse("admin:support_article_add"),
        {
            "title": "Certificat de signature",
            "slug": "certificat-de-signature",
            "category": ArticleCategory.DEMANDES,
            "order": 5,
            "is_published": "on",
            "body": "Le certificat de signature se renouvelle chaque année.",
        },
    )

    assert response.status_code == 302
    assert "Certificat de signature" in client.get(HELP).content.decode()
    assert client.get(reverse("support:article", args=["certificat-de-signature"])).status_code == 200


def test_article_html_keeps_paragraph_lines_together():
    html = article_html("Ligne un\nligne deux\n\nAutre paragraphe")

    assert html == "<p>Ligne un<br>ligne deux</p>\n<p>Autre paragraphe</p>"


class TestSeededArticles:
    """The data migration's articles, written from the seeds (restored: the fixture above removes them)."""

    @pytest.fixture(autouse=True)
    def _seeded(self, _no_seeded_articles):
        from importlib import import_module

        from django.apps import apps

        migration = import_module("support.migrations.0003_knowledge_base_articles")
        migration.create_articles(apps, None)

    def test_every_topic_of_the_issue_has_its_article(self):
        slugs = set(Article.objects.published().values_list("slug", flat=True))

        assert {
            "creer-mon-espace-pas-a-pas",
            "les-trois-cas-de-creation",
            "un-espace-existe-deja",
            "premiere-connexion",
            "mot-de-passe-oublie",
            "identifiant-oublie",
            "vous-n-avez-toujours-rien-recu",
            "deja-utilisateur-sylae-apea",
            "navigateur-firefox",
            "code-di-ne-fonctionne-pas",
            "contacter-l-assistance",
        } <= slugs

    def test_the_contacts_article_has_every_number(self, client):
        html = client.get(reverse("support:article", args=["contacter-l-assistance"])).content.decode()

        for text in [
            "contact-ap@asp-public.fr",
            "0820 722 111 pour la Métropole (service 0,15 € / appel + prix appel)",
            "0821 401 400 pour les DOM",
            "0800 705 800 (n° Vert : services et appels gratuits), de 8 h 00 à 18 h 00",
        ]:
            assert text in html, text

    @pytest.mark.parametrize(
        ("query", "slug"),
        [
            ("spam", "vous-n-avez-toujours-rien-recu"),
            ("48 h", "vous-n-avez-toujours-rien-recu"),
            ("Firefox", "navigateur-firefox"),
            ("SYLAé", "deja-utilisateur-sylae-apea"),
            ("copier", "code-di-ne-fonctionne-pas"),
        ],
    )
    def test_common_questions_find_their_answer(self, query, slug):
        assert slug in [result.article.slug for result in articles_search(query=query)]

    def test_the_seeded_links_lead_to_pages(self, client):
        import re

        links = set()
        for body in Article.objects.values_list("body", flat=True):
            links |= set(re.findall(r"\]\((/[^)]*)\)", body))
        assert "/besoin-d-aide/assistance/?motif=habilitation" in links
        for link in links:
            assert client.get(link).status_code == 200, link
