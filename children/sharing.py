"""The information-sharing log (policy P5): what was shared about a child, with whom, why and on
what basis, and the decisions not to share.

HM Government, "Information sharing: advice for practitioners providing safeguarding services
for children, young people, parents and carers" (2024): record every decision to share or not
to share, with what was shared, with whom, why, the lawful basis, and whether consent was
given, refused or not sought and why. Nothing leaves the setting through the software: a row
here records what staff did elsewhere (a referral phoned through, a secure email, a meeting).

Each write is one transaction, names its actor (kept in history) and leaves one access-log row.
The read helpers give the disclosures an entry or a child went out in, for rectification
(UK GDPR Art. 19: tell each recipient of a corrected entry) and for the access-request pack
(Art. 15(1)(c): the recipients the data was disclosed to).
"""

import datetime
import uuid
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from children.models import (
    Child,
    Consent,
    Framework,
    InformationSharing,
    LawfulBasis,
    ParentStatement,
    Record,
    SharedEntry,
    SharingDecision,
    SharingMethod,
)
from setting_records import access, access_log, submissions
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import AccessAction, User

__all__ = [
    "child_recipients",
    "log_lines_shown",
    "past_recipients",
    "recipients_of",
    "sharing_record",
    "statements_note",
    "summary_disclosures",
]

NO_REASONS: Mapping[int, str] = MappingProxyType({})

# Consent answers that need a reason when the information went anyway (HM Government 2024:
# record why it was shared without consent, or why consent was not sought).
NEEDS_CONSENT_REASON = {Consent.REFUSED, Consent.NOT_SOUGHT}

# Free text the model keeps in a column of limited length: refused here with a plain message
# rather than left to the database (PostgreSQL refuses a long value; SQLite would keep it).
_LIMITED = (
    "recipient_organisation",
    "recipient_name",
    "recipient_role",
    "lawful_basis_detail",
    "framework_detail",
)


def _require_length(sharing: InformationSharing) -> None:
    for name in _LIMITED:
        field = InformationSharing._meta.get_field(name)
        limit = getattr(field, "max_length", None)
        if limit is not None and len(getattr(sharing, name)) > limit:
            label = str(getattr(field, "verbose_name", name)).capitalize()
            raise WorkflowError(f"{label} is too long: at most {limit} characters.")


# UK GDPR Art. 6(1)(a) and Art. 7(1): consent is a basis only when it was given, and the
# setting can show it. HM Government, "Information sharing: advice for practitioners" (2024):
# consent is rarely the right basis for sharing to safeguard a child; usually it is legal
# obligation or public task.
CONSENT_NOT_GIVEN = (
    "Consent can be the lawful basis only when consent was given. To protect a child the basis "
    "is usually legal obligation or public task."
)


def disputed_for_manager(record: Record) -> str:
    return (
        f"“{record.title}” is disputed by a parent: only the manager can decide to share it "
        "while the dispute is open. Ask the manager."
    )


def _entries_for(child: Child, actor: User, entries: Iterable[Record]) -> list[Record]:
    """The entries named, fresh from the database and locked, each the child's and visible to
    the actor; in the order given, each once."""
    wanted = list(dict.fromkeys(entry.pk for entry in entries))
    if not wanted:
        return []
    # Locked so that a rectification request cannot mark an entry disputed (or clear the mark)
    # between the check below and the snapshot of it.
    found = Record.objects.select_for_update().in_bulk(wanted)
    if len(found) != len(wanted) or any(r.child_id != child.pk for r in found.values()):
        raise WorkflowError("Choose entries from this child's records.")
    visible = set(access.visible_records(actor).filter(pk__in=wanted).values_list("pk", flat=True))
    if visible != set(wanted):
        raise WorkflowError("Choose entries from this child's records.")
    return [found[pk] for pk in wanted]


def statements_note(statements: Iterable[ParentStatement]) -> str:
    """The parents' statements on one entry as they stood, each as
    "<who> (<d/m/Y>, <how>): <their words>", a replaced one marked so; oldest first."""
    statements = list(statements)
    replaced = {s.supersedes_id for s in statements if s.supersedes_id is not None}
    lines = []
    for statement in statements:
        line = (
            f"{statement.made_by} ({statement.made_on:%d/%m/%Y}, "
            f"{statement.get_taken_how_display().lower()}): {statement.words}"
        )
        if statement.pk in replaced:
            line += " (replaced by a later statement)"
        lines.append(line)
    return "\n\n".join(lines)


def _statements_by_record(records: list[Record]) -> dict[int, list[ParentStatement]]:
    by_record: dict[int, list[ParentStatement]] = {record.pk: [] for record in records}
    statements = (
        ParentStatement.objects.filter(record__in=[record.pk for record in records])
        .select_related("person")
        .order_by("made_on", "pk")
    )
    for statement in statements:
        by_record[statement.record_id].append(statement)
    return by_record


@transaction.atomic
def sharing_record(
    *,
    child: Child,
    actor: User,
    decision: str,
    decided_on: datetime.date,
    decided_by: User,
    recipient_organisation: str,
    recipient_name: str = "",
    recipient_role: str = "",
    summary: str = "",
    entries: Iterable[Record] = (),
    purpose: str,
    lawful_basis: str = "",
    lawful_basis_detail: str = "",
    consent: str,
    consent_reason: str = "",
    framework: str,
    framework_detail: str = "",
    method: str = "",
    disputed_reasons: Mapping[int, str] = NO_REASONS,
    submission_key: uuid.UUID | None = None,
) -> InformationSharing:
    """Record one disclosure about ``child``, or one decision not to share.

    ``entries`` are the child's entries that were shared (or, for a decision not to share, that
    were asked for); ``summary`` says in words what was shared or asked for. An entry a parent
    is disputing (``Record.disputed``: a rectification request restricts it) is shared only with
    the reason in ``disputed_reasons[entry.pk]``: UK GDPR Art. 18(2) lets restricted data be
    processed only with consent, for legal claims, to protect another person's rights, or for
    an important public interest, such as a safeguarding referral. Only the manager of the
    child's setting decides that (policy P11: "not shared onwards while disputed unless the
    manager records why it must be").

    Consent is the lawful basis only when it was given (UK GDPR Art. 6(1)(a), Art. 7(1)).

    ``submission_key`` is the form's one-time key (``setting_records.submissions``): when a
    disclosure was already recorded with it, that one is returned and nothing new is written.
    """
    if not access.can(actor, "share", child):
        raise WorkflowError(
            "Only the manager or the child's key person can record information sharing."
        )
    same = {"child_id": child.pk, "recorded_by_id": actor.pk}
    if earlier := submissions.claim(InformationSharing, submission_key, **same):
        return earlier
    if decision not in SharingDecision.values:
        raise WorkflowError("Say whether the information was shared or not.")
    shared = decision == SharingDecision.SHARED
    if not access.setting_staff(child.setting).filter(pk=decided_by.pk).exists():
        raise WorkflowError(f"{decided_by} is not an active member of staff at {child.setting}.")
    if decided_on > timezone.localdate():
        raise WorkflowError("The date is in the future: enter when it happened.")
    recipient_organisation = recipient_organisation.strip()
    if not recipient_organisation:
        raise WorkflowError("Name the organisation the information went to, or was asked for by.")
    purpose, summary = purpose.strip(), summary.strip()
    consent_reason, framework_detail = consent_reason.strip(), framework_detail.strip()
    if not purpose:
        raise WorkflowError(
            "Say why the information was shared." if shared else "Say why it was not shared."
        )
    if consent not in Consent.values:
        raise WorkflowError("Say whether consent was given, refused or not sought.")
    if framework not in Framework.values:
        raise WorkflowError("Choose the professional framework.")
    if framework == Framework.OTHER and not framework_detail:
        raise WorkflowError("Say what the other professional framework was.")
    records = _entries_for(child, actor, entries)
    if shared:
        if not records and not summary:
            raise WorkflowError("Choose the entries that were shared, or write what was shared.")
        if lawful_basis not in LawfulBasis.values:
            raise WorkflowError("Choose the lawful basis for sharing.")
        if method not in SharingMethod.values:
            raise WorkflowError("Say how the information was shared.")
        if lawful_basis == LawfulBasis.CONSENT and consent != Consent.GIVEN:
            raise WorkflowError(CONSENT_NOT_GIVEN)
        if consent in NEEDS_CONSENT_REASON and not consent_reason:
            raise WorkflowError(
                "Say why it was shared without consent, or why consent was not sought."
            )
        disputed_records = [record for record in records if record.disputed]
        if disputed_records and not access.manages(actor, child.setting_id):
            raise WorkflowError(disputed_for_manager(disputed_records[0]))
        for record in disputed_records:
            if not disputed_reasons.get(record.pk, "").strip():
                raise WorkflowError(
                    f"“{record.title}” is disputed by a parent: say why it had to be shared "
                    "while the dispute is open (for example, a safeguarding referral)."
                )
    else:
        if not summary:
            raise WorkflowError("Write what was asked for.")
        # Nothing went, so nothing went on a basis or by a method.
        lawful_basis, lawful_basis_detail, method = "", "", ""

    sharing = InformationSharing(
        child=child,
        decision=decision,
        decided_on=decided_on,
        decided_by=decided_by,
        recipient_organisation=recipient_organisation,
        recipient_name=recipient_name.strip(),
        recipient_role=recipient_role.strip(),
        summary=summary,
        purpose=purpose,
        lawful_basis=lawful_basis,
        lawful_basis_detail=lawful_basis_detail.strip(),
        consent=consent,
        consent_reason=consent_reason,
        framework=framework,
        framework_detail=framework_detail,
        method=method,
        recorded_by=actor,
        submission_key=submission_key,
    )
    _require_length(sharing)
    reason = "Information shared" if shared else "Decision not to share"
    sharing, saved = submissions.save_once(sharing, actor=actor, reason=reason, **same)
    if not saved:
        return sharing
    statements = _statements_by_record(records)
    for record in records:
        disputed = shared and record.disputed
        entry = SharedEntry(
            sharing=sharing,
            record=record,
            title=record.title,
            statements_note=statements_note(statements[record.pk]),
            was_disputed=disputed,
            disputed_reason=disputed_reasons.get(record.pk, "").strip() if disputed else "",
        )
        save_as(entry, actor=actor, reason=reason)
    access_log.append(
        action=AccessAction.SHARING_RECORDED,
        actor=actor,
        child=child,
        detail={
            "sharing": sharing.pk,
            "entries": [record.pk for record in records],
            "decision": decision,
        },
    )
    return sharing


# Reading the log. The callers have fetched the entry or child through the policy already.


def recipients_of(records: Record | Iterable[Record]) -> QuerySet[InformationSharing]:
    """The disclosures (decisions to share only) that included any of ``records``, oldest
    first: who must be told of a correction (UK GDPR Art. 19)."""
    if isinstance(records, Record):
        records = [records]
    ids = [record.pk for record in records]
    return (
        InformationSharing.objects.filter(
            decision=SharingDecision.SHARED,
            pk__in=SharedEntry.objects.filter(record_id__in=ids).values("sharing_id"),
        )
        .select_related("decided_by")
        .order_by("decided_on", "pk")
    )


def past_recipients(record: Record) -> QuerySet[InformationSharing]:
    return recipients_of(record)


def summary_disclosures(record: Record) -> QuerySet[InformationSharing]:
    """The disclosures about the entry's child recorded as a written summary only (no entries
    named), made on or after the day the entry was written, oldest first: each may have
    included the entry, so whoever received it may need telling of a correction (UK GDPR
    Art. 19) once the manager has checked."""
    written_on = timezone.localtime(record.created_at).date()
    return (
        InformationSharing.objects.filter(
            child_id=record.child_id,
            decision=SharingDecision.SHARED,
            decided_on__gte=written_on,
        )
        .exclude(Exists(SharedEntry.objects.filter(sharing_id=OuterRef("pk"))))
        .select_related("decided_by")
        .order_by("decided_on", "pk")
    )


def child_recipients(child: Child) -> QuerySet[InformationSharing]:
    """Every disclosure about ``child`` (decisions to share only), oldest first: who the
    child's data went to (UK GDPR Art. 15(1)(c))."""
    return InformationSharing.objects.filter(child=child, decision=SharingDecision.SHARED).order_by(
        "decided_on", "pk"
    )


def log_lines_shown(
    actor: User,
    child: Child,
    sharings: Sequence[InformationSharing],
    *,
    via: str,
    **ids: int,
) -> None:
    """A page that shows lines of the log (who the child's data or an entry went to) is a view
    of the log, in the access log like the log's own pages (P5: "every view of it is in the
    access log"): one row when at least one line is shown, none when there is none. ``via``
    names the page, ``ids`` what it is about; ids only, never text."""
    if sharings:
        access_log.append(
            action=AccessAction.SHARING_VIEWED,
            actor=actor,
            child=child,
            detail={"via": via, **ids, "sharings": [item.pk for item in sharings]},
        )
