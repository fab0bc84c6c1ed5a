"""The review list of a request being prepared: every entry, with "disclose" / "withhold (reason
and note)" / "redact passages", saved all at once.

``review_context(item, form=None)`` gives what ``templates/access_requests/includes/review.html``
needs besides ``item``; the request page includes that partial during the "preparing" step, and
the review view renders it again, with what was typed and each error beside its entry, when a
"Save all" is refused.
"""

from dataclasses import dataclass

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from access_requests import services
from access_requests.models import (
    THIRD_PARTY_GROUNDS,
    AccessRequest,
    Disclosure,
    PreparedEntry,
    Redaction,
    State,
    WithholdReason,
)
from children.statements import statement_exists

REASON_CHOICES = [("", "—"), *WithholdReason.choices]
SECRET_LABEL = _(
    "Do not tell the parent the reason (the pack says only that something is withheld)"
)


def _decision_choices(entry: PreparedEntry) -> list[tuple[str, str]]:
    if entry.record.is_third_party:
        allowed = [Disclosure(value) for value in Disclosure.values if value in THIRD_PARTY_GROUNDS]
    else:
        allowed = [Disclosure.DISCLOSE, Disclosure.CONSENT, Disclosure.REASONABLE]
    empty = _("Choose…") if entry.review_required else _("Goes in (no review needed)")
    return [
        ("", str(empty)),
        *((str(d.value), str(d.label)) for d in allowed),
        (str(Disclosure.WITHHOLD), str(_("Withhold"))),
    ]


class ReviewForm(forms.Form):
    """One form for the whole list: fields ``e<entry pk>-<name>`` for each entry."""

    def __init__(self, *args, entries: list[PreparedEntry], **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = entries
        for entry in entries:
            self._add_fields(entry)

    @staticmethod
    def name(entry: PreparedEntry, field: str) -> str:
        return f"e{entry.pk}-{field}"

    def _add_fields(self, entry: PreparedEntry) -> None:
        def add(field: str, form_field: forms.Field, initial=None) -> None:
            self.fields[self.name(entry, field)] = form_field
            if initial is not None:
                self.initial[self.name(entry, field)] = initial

        add(
            "decision",
            forms.ChoiceField(
                label=_("Decision"), choices=_decision_choices(entry), required=False
            ),
            entry.disclosure,
        )
        add(
            "reason",
            forms.ChoiceField(label=_("Exemption"), choices=REASON_CHOICES, required=False),
            entry.withhold_reason,
        )
        add(
            "note",
            forms.CharField(
                label=_("Why the exemption applies"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            ),
            entry.withhold_note,
        )
        add(
            "secret",
            forms.BooleanField(label=SECRET_LABEL, required=False),
            entry.withheld and not entry.reason_may_be_told,
        )
        add(
            "passage",
            forms.CharField(
                label=_("Passage to withhold"),
                required=False,
                help_text=_("Copy it exactly from the text above."),
                widget=forms.Textarea(attrs={"rows": 2}),
            ),
        )
        add(
            "passage_reason",
            forms.ChoiceField(label=_("Exemption"), choices=REASON_CHOICES, required=False),
        )
        add(
            "passage_note",
            forms.CharField(label=_("Why the exemption applies"), required=False),
        )
        add("passage_secret", forms.BooleanField(label=SECRET_LABEL, required=False))
        add(
            "remove",
            forms.MultipleChoiceField(
                label=_("Stop withholding"),
                choices=[(str(r.pk), r.passage) for r in entry.redactions.all()],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            ),
        )

    def clean(self):
        cleaned = super().clean()
        for entry in self.entries:
            value = {f: cleaned.get(self.name(entry, f)) for f in ("decision", "reason", "note")}
            problem = services.decision_problem(
                entry,
                disclosure=self._disclosure(entry, cleaned),
                withhold_reason=value["reason"] or "",
                withhold_note=value["note"] or "",
            )
            if problem:
                self.add_error(self.name(entry, "decision"), problem)
            passage = cleaned.get(self.name(entry, "passage")) or ""
            if passage.strip():
                problem = services.redaction_problem(
                    entry,
                    passage=passage,
                    reason=cleaned.get(self.name(entry, "passage_reason")) or "",
                    note=cleaned.get(self.name(entry, "passage_note")) or "",
                )
                if problem:
                    self.add_error(self.name(entry, "passage"), problem)
        return cleaned

    def _disclosure(self, entry: PreparedEntry, cleaned: dict) -> str:
        # An exemption chosen without "withhold" still withholds: a reason is never ignored.
        decision = cleaned.get(self.name(entry, "decision")) or ""
        reason = cleaned.get(self.name(entry, "reason")) or ""
        return decision or (Disclosure.WITHHOLD if reason else "")

    def decisions(self) -> list[services.EntryDecision]:
        def value(entry, field):
            return self.cleaned_data.get(self.name(entry, field))

        return [
            services.EntryDecision(
                entry_id=entry.pk,
                disclosure=self._disclosure(entry, self.cleaned_data),
                withhold_reason=value(entry, "reason") or "",
                withhold_note=value(entry, "note") or "",
                reason_may_be_told=not value(entry, "secret"),
                passage=value(entry, "passage") or "",
                passage_reason=value(entry, "passage_reason") or "",
                passage_note=value(entry, "passage_note") or "",
                passage_reason_may_be_told=not value(entry, "passage_secret"),
                remove_redactions=tuple(int(pk) for pk in value(entry, "remove") or ()),
            )
            for entry in self.entries
        ]


@dataclass
class ReviewRow:
    """One entry of the review list with its bound fields."""

    entry: PreparedEntry
    redactions: list[Redaction]
    decision: forms.BoundField
    reason: forms.BoundField
    note: forms.BoundField
    secret: forms.BoundField
    passage: forms.BoundField
    passage_reason: forms.BoundField
    passage_note: forms.BoundField
    passage_secret: forms.BoundField
    remove: forms.BoundField

    @property
    def has_errors(self) -> bool:
        return bool(self.decision.errors or self.passage.errors)


def review_entries(item: AccessRequest) -> list[PreparedEntry]:
    # ``has_statement`` marks an entry with a parent's statement, in the list's own query.
    return list(
        item.entries.select_related(
            "record", "record__author", "record__sharer_checked_by", "record__subject_checked_by"
        )
        .annotate(has_statement=statement_exists("record_id"))
        .prefetch_related("redactions")
        .order_by("record__occurred_at", "record__pk")
    )


def review_context(item: AccessRequest, form: ReviewForm | None = None) -> dict:
    """What ``includes/review.html`` needs besides ``item``: ``review_form`` (the one form),
    ``review_rows`` (one ``ReviewRow`` per entry, oldest first), ``review_waiting`` (how many
    still need a decision), ``review_unchecked`` (third-party entries with a confidentiality
    answer missing), ``review_action`` (the URL "Save all" posts to) and
    ``review_editable`` (False outside the "preparing" step: the list is then read-only)."""
    if form is None:
        form = ReviewForm(entries=review_entries(item))
    rows = [
        ReviewRow(
            entry=entry,
            redactions=list(entry.redactions.all()),
            **{
                field: form[form.name(entry, field)]
                for field in (
                    "decision",
                    "reason",
                    "note",
                    "secret",
                    "passage",
                    "passage_reason",
                    "passage_note",
                    "passage_secret",
                    "remove",
                )
            },
        )
        for entry in form.entries
    ]
    return {
        "review_form": form,
        "review_rows": rows,
        "review_waiting": sum(row.entry.needs_review for row in rows),
        "review_unchecked": sum(row.entry.record.third_party_unchecked for row in rows),
        "review_action": reverse("access_requests:review", args=[item.pk]),
        "review_editable": item.state == State.PREPARING,
    }
