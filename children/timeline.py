"""A child's timeline: the entries a user may see of one child, newest first, a page at a time,
narrowed by the filters above it.

Everything starts from the access policy's ``visible_records`` (policies P1, P2, P4), so a filter
can only narrow what the user already sees: asking for sensitive entries, or for the entries of
an author the user has never seen, cannot bring anything else in. The filter form is built from
what the user may see of this child alone (its authors; the sensitivity filter only for those
who may see sensitive entries of the child), so its choices reveal nothing either.

The first page costs the same whatever the number of entries: the paginator's COUNT, one page
of ``ENTRIES_PER_PAGE`` rows (``LIMIT``), and the authors for the filter, each over the
``(child, -occurred_at)`` index.
"""

import datetime
from collections.abc import Mapping, Sequence
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from children.models import Child, Nature, Record, RecordKind, Sensitivity, Source
from children.statements import statement_exists
from setting_records import access
from setting_records.dates import start_of
from setting_records.fields import UKDateField
from setting_records.models import User

ENTRIES_PER_PAGE = 25

YES_NO = {"yes": True, "no": False}

# The form's fields that narrow the timeline, in the order they are shown.
FILTERS = ("kind", "sensitivity", "nature", "source", "disputed", "date_from", "date_to", "author")


class TimelineFilterForm(forms.Form):
    """The GET form above a child's entries. Every field is optional; an empty one does not
    narrow anything. Choices are checked in memory (no query), so a junk or foreign value is a
    form error beside its field and never reaches the database."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *RecordKind.choices]
    )
    sensitivity = forms.ChoiceField(
        label=_("Sensitivity"),
        required=False,
        choices=[("", _("General and sensitive")), *Sensitivity.choices],
    )
    nature = forms.ChoiceField(
        label=_("Fact or opinion"),
        required=False,
        choices=[("", _("Facts and opinions")), *Nature.choices],
    )
    source = forms.ChoiceField(
        label=_("Source"),
        required=False,
        choices=[
            ("", _("Any source")),
            (Source.SETTING, _("From the setting")),
            (Source.THIRD_PARTY, _("From a third party")),
        ],
    )
    disputed = forms.ChoiceField(
        label=_("Disputed by a parent"),
        required=False,
        choices=[
            ("", _("Disputed or not")),
            ("yes", _("Disputed only")),
            ("no", _("Not disputed")),
        ],
    )
    date_from = UKDateField(label=_("From"), required=False)
    date_to = UKDateField(label=_("To (inclusive)"), required=False)
    author = forms.TypedChoiceField(
        label=_("Written by"), required=False, coerce=int, empty_value=None
    )

    def __init__(
        self, data: Mapping[str, Any] | None, *, authors: Sequence[User], sees_sensitive: bool
    ) -> None:
        super().__init__(data)
        # Offered only to those who may see sensitive entries of the child (P2): for anyone
        # else it would be a filter that can only come back empty, or a hint that such entries
        # exist. A crafted ``?sensitivity=`` from them is ignored like any unknown parameter.
        if not sees_sensitive:
            del self.fields["sensitivity"]
        author_field = cast(forms.TypedChoiceField, self.fields["author"])
        author_field.choices = [("", _("Anyone")), *((a.pk, str(a)) for a in authors)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            # The range means nothing: neither end of it narrows the timeline.
            self.add_error("date_to", _("This date is before the “From” date."))
            cleaned.pop("date_from", None)
        return cleaned

    def applied(self) -> dict[str, Any]:
        """The filters to apply: the fields given and valid. A field with an error is left
        out, and the rest still narrow the timeline."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name in FILTERS and value not in (None, "")
        }


def timeline_authors(user: User, child: Child) -> list[User]:
    """Whoever wrote an entry of ``child`` that ``user`` may see, by name: the author filter's
    choices. The author of an entry the user may not see is not named (P2, P4)."""
    authored = access.visible_records(user).filter(child=child).values("author_id")
    return list(User.objects.filter(pk__in=authored).order_by("first_name", "last_name", "pk"))


def timeline(user: User, child: Child, filters: Mapping[str, Any]) -> QuerySet[Record]:
    """The entries of ``child`` that ``user`` may see, narrowed by ``filters`` (the cleaned
    data of ``TimelineFilterForm``), newest first, with their authors and whether each has a
    parent's statement."""
    records = access.visible_records(user).filter(child=child)
    for name in ("kind", "sensitivity", "nature", "source"):
        if value := filters.get(name):
            records = records.filter(**{name: value})
    if disputed := filters.get("disputed"):
        records = records.filter(disputed=YES_NO[disputed])
    if start := filters.get("date_from"):
        records = records.filter(occurred_at__gte=start_of(start))
    # "To" takes in the whole of that day. The last day a date field accepts has no day after
    # it, and nothing happens after it either.
    if (end := filters.get("date_to")) and end < datetime.date.max:
        records = records.filter(occurred_at__lt=start_of(end + datetime.timedelta(days=1)))
    if author := filters.get("author"):
        records = records.filter(author_id=author)
    return (
        records.select_related("author")
        .annotate(has_statement=statement_exists())
        .order_by("-occurred_at", "-pk")
    )
