"""``/search/?q=``: children and entries the user may see, found by their words."""

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from children.forms import ChildSearchForm
from children.models import Child, Record
from children.search import (
    MAX_QUERY_LENGTH,
    Highlighter,
    results_page,
    search_children,
    words_of,
)
from setting_records.http import AuthenticatedHttpRequest

ENTRIES_PER_PAGE = 20
# Children are listed above the entries, on the first page only; beyond this many, a link
# opens the children list with the same words.
CHILDREN_SHOWN = 10


class SearchForm(forms.Form):
    # CharField refuses NUL characters and strips surrounding spaces by itself.
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": _("Search for at most %(limit_value)d characters."),
        },
    )


def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Search what the user may see (policy P4): the results come only from the access policy's
    querysets.

    A sensitive entry's text is matched for those allowed to read it, but never shown here: its
    result is its title (a label, which they may see), child and date, and a line saying to open
    it. So the results page reads no sensitive text and leaves no access-log row; opening the
    entry is the read, logged by its own page (UK GDPR Art. 5(1)(f) and 5(2);
    ``setting_records/reads.py``). A row for a page of entries across several children could
    name no one child, and so would show on no child's access-log page."""
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    context: dict[str, object] = {"form": form, "query": query}
    if query:
        words = words_of(query)
        page = results_page(request.user, query, request.GET.get("page"), ENTRIES_PER_PAGE)
        children: list[Child] = []
        if page.number == 1:
            children = list(search_children(request.user, query)[: CHILDREN_SHOWN + 1])
        highlight = Highlighter.for_query(query)
        # (entry, its title marked, the text around the first word found; None when sensitive)
        entries: list[tuple[Record, SafeString, SafeString | None]] = [
            (
                record,
                highlight.mark(record.title),
                None if record.is_sensitive else highlight.snippet(record.body),
            )
            for record in page.object_list
        ]
        # The children list's own search takes the words, if they fit its box.
        fits_list = len(query) <= ChildSearchForm.base_fields["q"].max_length  # type: ignore[attr-defined]
        context |= {
            "words": words,
            "page": page,
            "entries": entries,
            "children": children[:CHILDREN_SHOWN],
            "more_children": len(children) > CHILDREN_SHOWN and fits_list,
        }
    return render(request, "children/search.html", context)
