"""Search over what a user may see: children by name, entries by the words of their title and text.

Everything starts from the access policy's querysets (``access.visible_children``,
``access.visible_records``), so search can find nothing a list or a page would not show
(policy P4: no trace of a child outside one's care; P2: a sensitive entry, its title included,
only for those who may read it). A sensitive entry's text is matched for those, but the results
page shows only its title (``search_views``): no sensitive text is read there.

Entries are matched with the database's own full-text index, made by migration
``children/0007_record_search``:

- PostgreSQL: ``to_tsvector('english', title || ' ' || body)``, kept in a stored generated
  column with a GIN index (the migration says why a column), queried with ``plainto_tsquery``
  over the words ``words_of`` finds (so nothing typed is an operator, as on SQLite; English stop
  words such as "the" are left out).
- SQLite: an FTS5 table over ``children_record`` (porter stemming, diacritics folded), each of
  the user's words quoted as an FTS5 string, so no input is FTS5 syntax. Where SQLite was built
  without FTS5, each word is matched with ``LIKE`` instead (slower, same results for whole words).

Snippets are built here in Python from the escaped text, with the words found wrapped in
``<mark>``: user text never reaches the page unescaped.
"""

import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import cast

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import Expression, RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from children.models import Child, Record
from setting_records import access
from setting_records.access import Viewer

FTS_TABLE = "children_record_fts"
POSTGRES_INDEX = "children_record_search_gin"
DOCUMENT_COLUMN = "search_document"
# Counting stops here ("1,000 or more"): a count of every entry holding a common word costs as
# much as reading them all, and nobody pages through a thousand results.
MAX_RESULTS = 1000
# Longer input is refused by the form: nobody types 200 characters into a search box, and a
# bound on the input bounds the work.
MAX_QUERY_LENGTH = 200
# How much text a snippet shows around the first word found.
SNIPPET_CHARS = 220

# A word for matching: letters and digits (any script), apostrophes inside.
_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")


@cache
def fts5_available() -> bool:
    """Whether this Python's SQLite has FTS5 (asked once, of a throwaway in-memory database)."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("CREATE VIRTUAL TABLE probe USING fts5(text)")
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()
    return True


def words_of(query: str) -> list[str]:
    """The words of ``query`` that can match anything: punctuation alone never can."""
    return _WORD.findall(query)


def children_named(children: QuerySet[Child], words: Iterable[str]) -> QuerySet[Child]:
    """``children`` narrowed to those with each word in their first name, last name or known-as
    (the children list's name search, and search's)."""
    for word in words:
        children = children.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(known_as__icontains=word)
        )
    return children


class Document(Expression):
    """An entry's title and text as a tsvector (PostgreSQL): the stored column the migration
    made, ``to_tsvector('english', title || ' ' || body)``, which the GIN index is on."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        table = compiler.quote_name(compiler.query.get_initial_alias())
        return f"{table}.{connection.ops.quote_name(DOCUMENT_COLUMN)}", []


def _fts5_match(words: Sequence[str]) -> str:
    # Each word an FTS5 string ("word", inner quotes doubled): a string is never an operator, a
    # column filter or a prefix, so nothing typed is FTS5 syntax. Side by side, all must match.
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def matching_records(records: QuerySet[Record], query: str) -> QuerySet[Record]:
    """``records`` narrowed to those whose title or text holds the words of ``query``."""
    words = words_of(query)
    if not words:
        return records.none()
    if connection.vendor == "postgresql":
        # The words alone, as plain words (plainto_tsquery): "-", "or" and quotes are no
        # operators here, as they are none on SQLite, so both find the same entries.
        return records.alias(document=Document()).filter(
            document=SearchQuery(" ".join(words), config="english", search_type="plain")
        )
    if connection.vendor == "sqlite" and fts5_available():
        return records.filter(
            # The words are a parameter, never part of the SQL text.
            pk__in=RawSQL(  # noqa: S611
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608
                [_fts5_match(words)],
            )
        )
    for word in words:
        records = records.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return records


def search_children(user: Viewer, query: str) -> QuerySet[Child]:
    words = words_of(query)
    if not words:
        return Child.objects.none()
    return children_named(access.visible_children(user), words).order_by(
        "last_name", "first_name", "pk"
    )


def search_records(user: Viewer, query: str) -> QuerySet[Record]:
    """The entries ``user`` may see that match ``query``, newest first.

    Newest first rather than by rank: a rank is computed from each matching row's text (the
    tsvector is not stored), so its cost grows with the number of matches, while the date
    order is what a setting's records are read in everywhere else.
    """
    return (
        matching_records(access.visible_records(user), query)
        # The child: each result names it.
        .select_related("child")
        .order_by("-occurred_at", "-pk")
    )


class _CappedPaginator(Paginator):
    """Counts the matches up to ``MAX_RESULTS``, in no order: a count that sorted them (as a
    count of the sliced, ordered queryset does) would read every match of a common word."""

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return cast(QuerySet[Record], self.object_list).order_by()[:MAX_RESULTS].count()

    @property
    def capped(self) -> bool:
        """Whether there may be more matches than were counted."""
        return self.count >= MAX_RESULTS


def results_page(user: Viewer, query: str, number: int | str | None, per_page: int) -> Page:
    """One page of ``search_records``, counted up to ``MAX_RESULTS``: the view's and the
    benchmark's one way in."""
    return _CappedPaginator(search_records(user, query), per_page).get_page(number)


# Snippets


def _fold(text: str) -> str:
    """Lower case without diacritics, as both indexes compare words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_SUFFIXES = ("ingly", "edly", "ings", "ing", "ies", "ied", "ed", "es", "ly", "s", "'s", "\u2019s")


def _stem(word: str) -> str:
    """A rough stem for highlighting only (the index decides what matches): enough to mark
    "played" and "playing" for "plays"."""
    word = _fold(word)
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    # "bruise" and "bruises", "make" and "making" alike.
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


@dataclass(frozen=True)
class Highlighter:
    stems: frozenset[str]

    @classmethod
    def for_query(cls, query: str) -> "Highlighter":
        return cls(frozenset(_stem(word) for word in words_of(query)))

    def matches(self, word: str) -> bool:
        return _stem(word) in self.stems

    def first_match(self, text: str) -> int | None:
        for found in _WORD.finditer(text):
            if self.matches(found.group()):
                return found.start()
        return None

    def mark(self, text: str) -> SafeString:
        """``text`` escaped, each word found wrapped in ``<mark>``."""
        parts: list[str] = []
        last = 0
        for found in _WORD.finditer(text):
            if self.matches(found.group()):
                parts.append(escape(text[last : found.start()]))
                parts.append(f"<mark>{escape(found.group())}</mark>")
                last = found.end()
        parts.append(escape(text[last:]))
        # Every piece of the text went through escape() above.
        return mark_safe("".join(parts))  # noqa: S308

    def snippet(self, text: str, length: int = SNIPPET_CHARS) -> SafeString:
        """About ``length`` characters of ``text`` around the first word found, cut at spaces,
        with an ellipsis where text is left out."""
        text = " ".join(text.split())
        start = self.first_match(text) or 0
        begin = max(0, start - length // 3)
        end = min(len(text), begin + length)
        begin = max(0, min(begin, end - length))
        if begin > 0:
            space = text.find(" ", begin)
            begin = space + 1 if 0 <= space < start else begin
        if end < len(text):
            space = text.rfind(" ", begin, end)
            end = space if space > start else end
        marked = self.mark(text[begin:end])
        return mark_safe(  # noqa: S308 - the middle is marked from escaped text
            ("… " if begin > 0 else "") + marked + (" …" if end < len(text) else "")
        )
