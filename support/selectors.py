"""Reads of the help pages and of the staff desk."""

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Func, Q, QuerySet, Value

from accounts.models import User
from apart.outbox.models import OutboxEmail
from habilitations.enums import ExtranetCode
from habilitations.models import Habilitation

from .models import Article, Ticket
from .text import excerpt, plain_text

SEARCH_CONFIG = "french"
MARK_START, MARK_STOP = "\x02", "\x03"  # ts_headline's marks, turned into <mark> after escaping


@dataclass
class SearchResult:
    article: Article
    excerpt: str  # plain text, with MARK_START / MARK_STOP around the words found (PostgreSQL)


# Words too common to search on (the fallback search has no French dictionary; PostgreSQL's has its own).
STOPWORDS = frozenset(
    [
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "est",
        "et",
        "il",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "ma",
        "mais",
        "me",
        "mes",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
    ]
)


def _words(query: str) -> list[str]:
    words = [word for word in re.split(r"[\s'’\"«»?!.,;:()]+", query) if len(word) > 1]
    return [word for word in words if word.lower() not in STOPWORDS]


def _without_markup(field: str) -> Func:
    """The article's text without its light markup ([texte](adresse) → texte, **gras** → gras), in SQL."""
    links = Func(F(field), Value(r"\[([^]]*)\]\([^)]*\)"), Value(r"\1"), Value("g"), function="REGEXP_REPLACE")
    return Func(links, Value(r"\*\*"), Value(""), Value("g"), function="REGEXP_REPLACE")


def _postgres_search(articles: QuerySet, query: str) -> list[SearchResult]:
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector

    vector = SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "body", weight="B", config=SEARCH_CONFIG
    )
    search_query = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
    found = (
        articles.annotate(document=vector)
        .filter(document=search_query)
        .annotate(
            rank=SearchRank(vector, search_query),
            headline=SearchHeadline(
                _without_markup("body"),
                search_query,
                config=SEARCH_CONFIG,
                start_sel=MARK_START,
                stop_sel=MARK_STOP,
                max_words=35,
                min_words=15,
            ),
        )
        .order_by("-rank", "category", "order")
    )
    return [SearchResult(article, _with_ellipses(plain_text(article.headline), article.body)) for article in found]


def _with_ellipses(headline: str, body: str) -> str:
    """Ellipses where the excerpt cuts the text."""
    text, shown = plain_text(body), headline.replace(MARK_START, "").replace(MARK_STOP, "")
    return ("" if text.startswith(shown[:30]) else "… ") + headline + ("" if text.endswith(shown[-30:]) else " …")


def _mark(text: str, words: list[str]) -> str:
    pattern = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    if not pattern:
        return text
    return re.sub(rf"(?<!\w)({pattern})", f"{MARK_START}\\1{MARK_STOP}", text, flags=re.IGNORECASE)


def _simple_search(articles: QuerySet, query: str) -> list[SearchResult]:
    words = _words(query)
    if not words:  # only words too common to search on
        return []
    for word in words:
        articles = articles.filter(Q(title__icontains=word) | Q(body__icontains=word))
    lowered = [word.lower() for word in words]

    def title_matches(article: Article) -> int:
        title = article.title.lower()
        return sum(word in title for word in lowered)

    # Titles rank above bodies, as the full-text search's weights do; the rubriques' order otherwise.
    ranked = sorted(articles, key=title_matches, reverse=True)
    return [SearchResult(article, _mark(excerpt(article.body, words), words)) for article in ranked]


def articles_search(*, query: str) -> list[SearchResult]:
    """Published articles matching `query`: French full-text search on PostgreSQL, else every word contained.

    On PostgreSQL a query the full-text search does not match (a word cut short, "identif") falls back to the
    simple search.
    """
    query = " ".join(query.split())[:200]
    if not query:
        return []
    articles = Article.objects.published()
    if connection.vendor == "postgresql":
        results = _postgres_search(articles, query)
        if results:
            return results
    return _simple_search(articles, query)


def articles_by_category() -> list[tuple[str, list[Article]]]:
    """The published articles grouped by rubrique, in the rubriques' order."""
    from .enums import ArticleCategory

    grouped = {value: [] for value in ArticleCategory.values}
    for article in Article.objects.published():
        grouped.setdefault(article.category, []).append(article)
    return [(ArticleCategory(value).label, articles) for value, articles in grouped.items() if articles]


# --- The staff desk -------------------------------------------------------------------------------


def ticket_habilitations(*, ticket: Ticket) -> QuerySet:
    """The APART habilitations a habilitation ticket may be about: those of its establishment (by SIRET) and
    those of the account matching the requester's address."""
    condition = Q(establishment__siret=ticket.siret)
    user = ticket_requester_account(ticket=ticket)
    if user is not None:
        condition |= Q(user=user)
    return (
        Habilitation.objects.for_extranet(ExtranetCode.APART)
        .filter(condition)
        .select_related("user", "establishment", "extranet")
        .order_by("establishment__siret", "-valid_until")
    )


def ticket_requester_account(*, ticket: Ticket) -> User | None:
    """The ASP account of the requester: the one logged in when writing, else the one with their address."""
    if ticket.user_id:
        return ticket.user
    return User.objects.with_courriel(ticket.courriel).first()


def ticket_users(*, ticket: Ticket) -> list[User]:
    """The accounts the desk's actions may touch for this ticket."""
    users = {habilitation.user for habilitation in ticket_habilitations(ticket=ticket)}
    requester = ticket_requester_account(ticket=ticket)
    if requester is not None:
        users.add(requester)
    return sorted(users, key=lambda user: user.identifiant)


def outbox_emails_for(*, addresses: list[str], limit: int = 50) -> QuerySet:
    """The e-mails written to these addresses, newest first, so staff see whether the mail left."""
    condition = Q(pk__in=[])
    for address in {address.lower() for address in addresses if address}:
        condition |= Q(to__iexact=address)
    return OutboxEmail.objects.filter(condition).order_by("-created_at", "-id")[:limit]
