"""The pack fixed for the meeting (P9: the copy handed over is the one that was discussed):
frozen as canonical JSON with its SHA-256, compared with the live preparation, and rebuilt for
each copy with only the envelope (recipient, watermark, meeting date) taken afresh."""

import dataclasses

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from access_requests import snapshot
from access_requests.models import (
    AccessRequest,
    FrozenPack,
    PreparedEntry,
    PreparedExtra,
    PreparedRecipient,
    PreparedStatement,
)
from access_requests.pack import content_for, recipient_line
from children import sharing as sharing_log
from children.models import ParentStatement, Record
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import User

# Fields of PackContent that say whom a copy is for, who made it and when the meeting was, and
# how to complain (the setting's procedure as it stands when the copy is made: UK GDPR
# Art. 15(1)(f) is about the parent's rights now, not the child's records), not what the pack
# holds about the child: each copy made from a frozen pack takes them afresh, and a change to
# them never means preparing again.
ENVELOPE_FIELDS = (
    "prepared_for",
    "prepared_by",
    "watermark",
    "meeting_date",
    "complaints_procedure",
)


def _live_content(request: AccessRequest, *, prepared_for: str, watermark: str | None):
    return content_for(request, prepared_for=prepared_for, watermark=watermark)


def _frozen_plain(content) -> dict:
    return _without_envelope(snapshot.to_plain(content))


def _without_envelope(plain: dict) -> dict:
    """What a pack holds, without its envelope. Packs frozen before a field joined the
    envelope still hold it: their comparison leaves it out the same way."""
    return {**plain, **{name: None for name in ENVELOPE_FIELDS if name in plain}}


def _decision(entry: PreparedEntry) -> dict:
    """Every preparation decision on an entry, whatever fields it gains."""
    skip = {"id", "request", "record", "reviewed_by"}
    return {
        field.attname: snapshot.to_plain(getattr(entry, field.attname))
        for field in PreparedEntry._meta.concrete_fields
        if field.name not in skip
    }


def _extra_decision(extra: PreparedExtra) -> dict:
    """Every review decision on a statement or a recipient, whatever fields it gains."""
    skip = {"id", "request", "statement", "sharing", "reviewed_by"}
    return {
        field.attname: snapshot.to_plain(getattr(extra, field.attname))
        for field in type(extra)._meta.concrete_fields
        if field.name not in skip
    }


def _prepared_statements(request: AccessRequest) -> list[PreparedStatement]:
    return list(
        request.prepared_statements.select_related("statement__record").order_by(
            "statement__record__occurred_at", "statement__made_on", "pk"
        )
    )


def _prepared_recipients(request: AccessRequest) -> list[PreparedRecipient]:
    return list(
        request.prepared_recipients.select_related("sharing").order_by("sharing__decided_on", "pk")
    )


def _extras(request: AccessRequest) -> dict:
    """The statements and recipients reviewed with the entries, each with the decision on it:
    a decision changed after the pack was fixed is named as a change. Two queries."""
    return {
        "statements": [
            {
                "id": prepared.pk,
                "statement": prepared.statement_id,
                "title": prepared.statement.record.title,
                "decision": _extra_decision(prepared),
            }
            for prepared in _prepared_statements(request)
        ],
        "recipients": [
            {
                "id": prepared.pk,
                "sharing": prepared.sharing_id,
                "label": recipient_line(prepared.sharing),
                "decision": _extra_decision(prepared),
            }
            for prepared in _prepared_recipients(request)
        ],
    }


def _entries(request: AccessRequest) -> QuerySet[PreparedEntry]:
    """The request's entries with their records and their statements' ids: three queries."""
    return request.entries.select_related("record").prefetch_related(
        Prefetch("record__statements", queryset=ParentStatement.objects.only("id", "record_id"))
    )


def _statement_ids(record: Record) -> list[int]:
    return sorted(statement.pk for statement in record.statements.all())


def _fingerprints(request: AccessRequest) -> list[dict]:
    # A statement or a dispute does not change the entry itself (its ``updated_at``), but it
    # changes what the pack prints beside it: both are fingerprinted.
    return [
        {
            "entry": entry.pk,
            "record": entry.record_id,
            "title": entry.record.title,
            "record_updated_at": entry.record.updated_at.isoformat(),
            "decision": _decision(entry),
            "statements": _statement_ids(entry.record),
            "disputed": entry.record.disputed,
        }
        for entry in _entries(request).order_by("pk")
    ]


def current_frozen(request: AccessRequest) -> FrozenPack | None:
    return request.frozen_packs.filter(superseded_at__isnull=True).first()


def _freeze(request: AccessRequest, *, actor: User) -> FrozenPack:
    for earlier in request.frozen_packs.filter(superseded_at__isnull=True):
        earlier.superseded_at = timezone.now()
        save_as(earlier, actor=actor, reason="Superseded by a new preparation")
    plain = _frozen_plain(_live_content(request, prepared_for="", watermark=None))
    frozen = FrozenPack(
        request=request,
        content=plain,
        sha256=snapshot.digest(plain),
        entries=_fingerprints(request),
        extras=_extras(request),
        frozen_by=actor,
    )
    save_as(frozen, actor=actor, reason="Pack fixed for the meeting")
    return frozen


def changes_since_preparation(request: AccessRequest) -> list[str]:
    """What changed in the pack after it was fixed for the meeting, in the manager's words.

    Empty when nothing did, or when nothing is frozen yet. Any change means the content must be
    prepared again (and discussed) before a copy can go out.
    """
    frozen = current_frozen(request)
    if frozen is None:
        return []
    known = {row["entry"]: row for row in frozen.entries}
    changes = []
    entries = list(_entries(request).order_by("record__occurred_at"))
    for entry in entries:
        row = known.get(entry.pk)
        record = entry.record
        if row is None:
            changes.append(f"“{record.title}” was added to the pack since preparation.")
            continue
        if (
            record.updated_at > frozen.frozen_at
            or record.updated_at.isoformat() != row["record_updated_at"]
        ):
            changes.append(f"“{record.title}” was changed since preparation.")
        elif _decision(entry) != row["decision"]:
            changes.append(f"The decision on “{record.title}” was changed since preparation.")
        # Packs frozen before statements and disputes were fingerprinted could have had none.
        if _statement_ids(record) != row.get("statements", []):
            changes.append(
                f"A parent's statement on “{record.title}” was recorded since preparation."
            )
        if record.disputed != row.get("disputed", False):
            changes.append(
                f"A parent asked for “{record.title}” to be corrected since preparation."
                if record.disputed
                else f"The parent's request to correct “{record.title}” was answered since "
                "preparation."
            )
    for row in known.values():
        if row["entry"] not in {entry.pk for entry in entries}:
            changes.append(f"“{row['title']}” was taken out of the pack since preparation.")
    changes += _extras_changes(request, frozen)
    frozen_records = {row["record"] for row in frozen.entries}
    for record in request.child.records.exclude(pk__in=frozen_records).order_by("occurred_at"):
        changes.append(f"“{record.title}” was written since preparation.")
    if not changes:
        live = _frozen_plain(_live_content(request, prepared_for="", watermark=None))
        # A frozen pack that fails its own fingerprint is refused by ``pack_content``, with
        # words of its own; an intact one is compared without its envelope.
        intact = snapshot.digest(frozen.content) == frozen.sha256
        if intact and snapshot.digest(live) != snapshot.digest(_without_envelope(frozen.content)):
            changes.append("The pack's content was changed since preparation.")
    return changes


def _extras_changes(request: AccessRequest, frozen: FrozenPack) -> list[str]:
    """Statements' and recipients' decisions changed, and recipients recorded, since the pack
    was fixed. A pack fixed before they were reviewed (no ``extras``) is compared by its
    content alone."""
    if not frozen.extras:
        return []
    changes = []
    known = {row["id"]: row for row in frozen.extras.get("statements", [])}
    for statement in _prepared_statements(request):
        row = known.pop(statement.pk, None)
        title = statement.statement.record.title
        if row is None:
            # A statement recorded since is named with its entry's fingerprint.
            continue
        if _extra_decision(statement) != row["decision"]:
            changes.append(
                f"The decision on a parent's statement on “{title}” was changed since preparation."
            )
    for row in known.values():
        changes.append(
            f"A parent's statement on “{row['title']}” was taken out of the pack since preparation."
        )
    known = {row["id"]: row for row in frozen.extras.get("recipients", [])}
    prepared_recipients = _prepared_recipients(request)
    for prepared in prepared_recipients:
        row = known.pop(prepared.pk, None)
        label = recipient_line(prepared.sharing)
        if row is None:
            changes.append(f"The recipient {label} was added to the pack since preparation.")
            continue
        if label != row["label"]:
            changes.append(f"The recipient {row['label']} was changed since preparation.")
        if _extra_decision(prepared) != row["decision"]:
            changes.append(f"The decision on the recipient {label} was changed since preparation.")
    for row in known.values():
        changes.append(f"The recipient {row['label']} was taken out of the pack since preparation.")
    # Shared since, and not yet brought into any review: the pack would leave it out unasked.
    reviewed = {row["sharing"] for row in frozen.extras.get("recipients", [])}
    reviewed |= {prepared.sharing_id for prepared in prepared_recipients}
    for sharing in sharing_log.child_recipients(request.child).exclude(pk__in=reviewed):
        changes.append(
            f"The child's information was shared with {recipient_line(sharing)} since preparation."
        )
    return changes


def pack_content(request: AccessRequest, *, prepared_for: str, watermark: str | None):
    """The content a copy shows: the frozen pack once there is one, else the live preparation.

    Only the envelope (``ENVELOPE_FIELDS``: recipient, watermark, who runs the meeting and its
    date) is taken afresh; everything else is exactly what was fixed for the meeting.
    """
    live = _live_content(request, prepared_for=prepared_for, watermark=watermark)
    frozen = current_frozen(request)
    if frozen is None:
        return live
    if snapshot.digest(frozen.content) != frozen.sha256:
        raise WorkflowError(
            "The pack fixed for the meeting does not match its fingerprint: do not hand out a "
            "copy, and tell whoever looks after the system."
        )
    base = snapshot.from_plain(type(live), frozen.content)
    return dataclasses.replace(
        base, **{name: getattr(live, name) for name in ENVELOPE_FIELDS if hasattr(live, name)}
    )
