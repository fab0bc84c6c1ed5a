"""The review list of a request being prepared: every entry, with "disclose" / "withhold (reason
and note)" / "redact passages", each parent's statement under its entry and each recipient from
the sharing log with "include" / "withhold (reason and note)", saved all at once.

``review_context(item, form=None)`` gives what ``templates/access_requests/includes/review.html``
needs besides ``item``; the request page includes that partial during the "preparing" step, and
the review view renders it again, with what was typed and each error beside its entry, when a
"Save all" is refused.
"""

from dataclasses import dataclass

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from access_requests import pack, services
from access_requests.models import (
    THIRD_PARTY_GROUNDS,
    AccessRequest,
    Disclosure,
    Inclusion,
    PreparedEntry,
    PreparedExtra,
    PreparedRecipient,
    PreparedStatement,
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


def _inclusion_choices(waiting: str) -> list[tuple[str, str]]:
    return [("", waiting), *((str(value), str(label)) for value, label in Inclusion.choices)]


class ReviewForm(forms.Form):
    """One form for the whole list: fields ``e<entry pk>-<name>`` for each entry,
    ``s<pk>-<name>`` for each parent's statement and ``r<pk>-<name>`` for each recipient."""

    def __init__(
        self,
        *args,
        entries: list[PreparedEntry],
        statements: list[PreparedStatement] | None = None,
        recipients: list[PreparedRecipient] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.entries = entries
        self.statements = statements or []
        self.recipients = recipients or []
        for entry in entries:
            self._add_fields(entry)
        for statement in self.statements:
            self._add_extra_fields(statement, secret=True)
        for recipient in self.recipients:
            self._add_extra_fields(recipient, secret=False)

    @staticmethod
    def name(entry: PreparedEntry, field: str) -> str:
        return f"e{entry.pk}-{field}"

    @staticmethod
    def extra_name(extra: PreparedExtra, field: str) -> str:
        prefix = "s" if isinstance(extra, PreparedStatement) else "r"
        return f"{prefix}{extra.pk}-{field}"

    def _add_extra_fields(self, extra: PreparedExtra, *, secret: bool) -> None:
        def add(field: str, form_field: forms.Field, initial) -> None:
            self.fields[self.extra_name(extra, field)] = form_field
            self.initial[self.extra_name(extra, field)] = initial

        add(
            "decision",
            forms.ChoiceField(
                label=_("Decision"),
                choices=_inclusion_choices(str(_("Choose…"))),
                required=False,
            ),
            extra.decision,
        )
        add(
            "reason",
            forms.ChoiceField(label=_("Exemption"), choices=REASON_CHOICES, required=False),
            extra.withhold_reason,
        )
        add(
            "note",
            forms.CharField(
                label=_("Why the exemption applies"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            ),
            extra.withhold_note,
        )
        if secret:
            add(
                "secret",
                forms.BooleanField(label=SECRET_LABEL, required=False),
                extra.withheld and not getattr(extra, "reason_may_be_told", True),
            )

    def _inclusion(self, extra: PreparedExtra, cleaned: dict) -> str:
        # As for entries: an exemption chosen without "withhold" still withholds.
        decision = cleaned.get(self.extra_name(extra, "decision")) or ""
        reason = cleaned.get(self.extra_name(extra, "reason")) or ""
        return decision or (Inclusion.WITHHOLD if reason else "")

    def _extra_decisions(self, extras: list) -> list[services.ExtraDecision]:
        def value(extra, field):
            return self.cleaned_data.get(self.extra_name(extra, field))

        return [
            services.ExtraDecision(
                extra_id=extra.pk,
                decision=self._inclusion(extra, self.cleaned_data),
                withhold_reason=value(extra, "reason") or "",
                withhold_note=value(extra, "note") or "",
                reason_may_be_told=not value(extra, "secret"),
            )
            for extra in extras
        ]

    def statement_decisions(self) -> list[services.ExtraDecision]:
        return self._extra_decisions(self.statements)

    def recipient_decisions(self) -> list[services.ExtraDecision]:
        return self._extra_decisions(self.recipients)

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
        for extra in [*self.statements, *self.recipients]:
            problem = services.extra_problem(
                decision=self._inclusion(extra, cleaned),
                withhold_reason=cleaned.get(self.extra_name(extra, "reason")) or "",
                withhold_note=cleaned.get(self.extra_name(extra, "note")) or "",
            )
            if problem:
                self.add_error(self.extra_name(extra, "decision"), problem)
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
class ExtraRow:
    """A parent's statement (under its entry) or a recipient, with its bound fields;
    ``secret`` is None for a recipient (a withheld one is left out, never explained)."""

    extra: PreparedExtra
    decision: forms.BoundField
    reason: forms.BoundField
    note: forms.BoundField
    secret: forms.BoundField | None = None

    @property
    def has_errors(self) -> bool:
        return bool(self.decision.errors)

    @property
    def line(self) -> str:
        """A recipient as the pack would name it."""
        if isinstance(self.extra, PreparedRecipient):
            return pack.recipient_line(self.extra.sharing)
        return ""


@dataclass
class ReviewRow:
    """One entry of the review list with its bound fields and its statements' rows."""

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
    statements: list[ExtraRow]

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


def review_statements(item: AccessRequest) -> list[PreparedStatement]:
    """The statements reviewed with the entries, oldest first: one query however many."""
    return list(
        item.prepared_statements.select_related("statement__person", "statement__record").order_by(
            "statement__made_on", "statement__recorded_at", "statement__pk"
        )
    )


def review_recipients(item: AccessRequest) -> list[PreparedRecipient]:
    """The recipients from the sharing log, oldest first: one query however many."""
    return list(
        item.prepared_recipients.select_related("sharing").order_by(
            "sharing__decided_on", "sharing__pk"
        )
    )


def review_form(item: AccessRequest, data=None) -> ReviewForm:
    """The one form of the review list, bound to ``data`` when given."""
    return ReviewForm(
        data,
        entries=review_entries(item),
        statements=review_statements(item),
        recipients=review_recipients(item),
    )


def _extra_row(form: ReviewForm, extra: PreparedExtra) -> ExtraRow:
    secret = form.extra_name(extra, "secret")
    return ExtraRow(
        extra=extra,
        decision=form[form.extra_name(extra, "decision")],
        reason=form[form.extra_name(extra, "reason")],
        note=form[form.extra_name(extra, "note")],
        secret=form[secret] if secret in form.fields else None,
    )


def _needs_decision(statement: PreparedStatement, entry: PreparedEntry | None) -> bool:
    # A statement of a withheld entry is not printed, whatever is decided on it.
    return not statement.decision and not (entry is not None and entry.withheld)


def review_context(item: AccessRequest, form: ReviewForm | None = None) -> dict:
    """What ``includes/review.html`` needs besides ``item``: ``review_form`` (the one form),
    ``review_rows`` (one ``ReviewRow`` per entry, oldest first), ``review_waiting`` (how many
    still need a decision), ``review_unchecked`` (third-party entries with a confidentiality
    answer missing), ``review_action`` (the URL "Save all" posts to) and
    ``review_editable`` (False outside the "preparing" step: the list is then read-only);
    ``review_recipients`` (one ``ExtraRow`` per recipient) and ``review_extras_waiting`` (the
    statements and recipients still to decide). Each row's ``statements`` are its entry's."""
    if form is None:
        form = review_form(item)
    by_record: dict[int, list[ExtraRow]] = {}
    for statement in form.statements:
        by_record.setdefault(statement.statement.record_id, []).append(_extra_row(form, statement))
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
            statements=by_record.get(entry.record_id, []),
        )
        for entry in form.entries
    ]
    entries_by_record = {entry.record_id: entry for entry in form.entries}
    return {
        "review_form": form,
        "review_rows": rows,
        "review_waiting": sum(row.entry.needs_review for row in rows),
        "review_recipients": [_extra_row(form, recipient) for recipient in form.recipients],
        # Statements of entries that go in, and recipients, not yet decided.
        "review_extras_waiting": sum(
            _needs_decision(s, entries_by_record.get(s.statement.record_id))
            for s in form.statements
        )
        + sum(not recipient.decision for recipient in form.recipients),
        "review_unchecked": sum(row.entry.record.third_party_unchecked for row in rows),
        "review_action": reverse("access_requests:review", args=[item.pk]),
        "review_editable": item.state == State.PREPARING,
    }
