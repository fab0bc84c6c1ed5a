"""From an access request to the PDF a parent (or the manager, as a working copy) receives.

Withheld means withheld everywhere: an entry withheld under an exemption reaches the PDF as its
date and the reason line only (never its title, author, kind or source), and a withheld passage
is cut out of the text here, before anything is rendered. Nothing is left out silently: each
gap carries "[withheld — reason]", or a neutral line when the reason itself may not be told.
"""

from django.utils import timezone
from django.utils.formats import date_format

from access_requests.models import (
    AccessRequest,
    Inclusion,
    Meeting,
    PreparedEntry,
    PreparedStatement,
    Redaction,
    withheld_line,
)
from access_requests.pack_content import PackContent, PackDetail, PackEntry, PackStatement
from children.models import (
    ChildPerson,
    InformationSharing,
    PREvidence,
    RecordKind,
    SharingDecision,
)
from setting_records.models import Setting

WORKING_COPY = "Working copy — not to be handed over"

# UK GDPR Art. 15(1)(a): why a nursery holds what it holds about a child and family.
PURPOSES = [
    "To care for your child and support their learning and development under the Early Years "
    "Foundation Stage.",
    "To keep your child safe, as the setting's safeguarding duties require.",
    "To keep the records the setting must keep by law (for example accidents, medicines and "
    "who may collect your child) and to meet its duties to Ofsted.",
    "To contact you and the other people you have told the setting about.",
]
# Art. 15(1)(d): the criteria, since the periods depend on the kind of record.
RETENTION = [
    "Records are kept while your child attends the setting.",
    "After your child leaves, each kind of record is kept for the period in the setting's "
    "retention schedule (for example, accident and safeguarding records are kept for longer, "
    "as the law and official guidance expect), and then securely destroyed.",
    "You can ask the manager for a copy of the retention schedule.",
]


def _redacted(body: str, redactions: list[Redaction]) -> str | None:
    """The body with every occurrence of each passage replaced by its "[withheld — …]" line, or
    None when a passage is no longer in the text (the entry changed since it was prepared): the
    caller then withholds the whole entry rather than print what nobody reviewed.

    Overlapping passages merge into one gap, so that removing one cannot leave part of the
    other standing; a gap whose reasons may not all be told gets the neutral line.
    """
    spans: list[tuple[int, int, Redaction]] = []
    for redaction in redactions:
        start = body.find(redaction.passage)
        if not redaction.passage or start < 0:
            return None
        while start >= 0:
            spans.append((start, start + len(redaction.passage), redaction))
            start = body.find(redaction.passage, start + 1)
    spans.sort(key=lambda span: span[0])
    merged: list[tuple[int, int, list[Redaction]]] = []
    for start, end, redaction in spans:
        if merged and start <= merged[-1][1]:
            last_start, last_end, reasons = merged[-1]
            merged[-1] = (last_start, max(last_end, end), [*reasons, redaction])
        else:
            merged.append((start, end, [redaction]))
    pieces, position = [], 0
    for start, end, reasons in merged:
        told = {redaction.reason_for_parent for redaction in reasons}
        pieces += [body[position:start], withheld_line(told.pop() if len(told) == 1 else "")]
        position = end
    pieces.append(body[position:])
    return "".join(pieces)


def _withheld_entry(entry: PreparedEntry, reason: str):
    # Only the date and the reason: a title, an author, a kind or a source can each identify
    # the person the information is withheld to protect.
    return PackEntry(
        title="",
        kind_label="",
        occurred_at=entry.record.occurred_at,
        author_name="",
        nature_label="",
        source_label="",
        body="",
        withheld_reason=reason,
    )


def _statements(prepared: list[PreparedStatement]) -> list[PackStatement]:
    """An entry's parents' statements as reviewed for this request, oldest first (policy P11: a
    statement travels with its entry into every later pack). An included one is printed with
    who made it, when and how, and marked with the day of the included statement that replaced
    it; a withheld one only as "[a statement has been withheld — reason]" (or the neutral line),
    since who made it, when and what they said are what is withheld. One not yet decided is not
    printed: nothing goes out unreviewed."""
    shown = sorted(
        (p for p in prepared if p.decision),
        key=lambda p: (p.statement.made_on, p.statement.recorded_at, p.statement.pk),
    )
    replaced_on = {
        p.statement.supersedes_id: p.statement.made_on
        for p in shown
        if p.included and p.statement.supersedes_id
    }
    printed = []
    for item in shown:
        statement = item.statement
        if item.withheld:
            printed.append(
                PackStatement(
                    made_by="",
                    made_on=None,
                    taken_how="",
                    words="",
                    withheld_reason=item.reason_for_parent,
                )
            )
            continue
        printed.append(
            PackStatement(
                made_by=statement.made_by,
                made_on=statement.made_on,
                taken_how=str(statement.get_taken_how_display()),
                words=statement.words,
                replaced_on=replaced_on.get(statement.pk),
            )
        )
    return printed


def _pack_entry(entry: PreparedEntry, statements: list[PreparedStatement]):
    record = entry.record
    if entry.withheld:
        return _withheld_entry(entry, entry.reason_for_parent)
    redactions = list(entry.redactions.all())
    body = _redacted(record.body, redactions) if redactions else record.body
    if body is None:
        return _withheld_entry(entry, "")
    return PackEntry(
        title=record.title,
        kind_label=str(record.get_kind_display()),
        occurred_at=record.occurred_at,
        author_name=str(record.author),
        nature_label=str(record.get_nature_display()),
        source_label=record.third_party_label if record.is_third_party else "The setting",
        body=body,
        redacted=bool(redactions),
        parent_statements=_statements(statements),
        # UK GDPR Art. 18(1)(a): the parent contests its accuracy and the decision is pending.
        disputed=record.disputed,
    )


def _family_details(request: AccessRequest):
    """The requester's own data held by the setting (Art. 15: their register entry too)."""
    person = request.requester
    connection = ChildPerson.objects.current().filter(child=request.child, person=person).first()
    details = [PackDetail("Name", str(person))]
    if connection is not None:
        details.append(
            PackDetail(
                f"Connection with {request.child}", str(connection.get_relationship_display())
            )
        )
        pr = "Yes" if connection.has_parental_responsibility else "No"
        if connection.pr_evidence:
            pr += f" — evidence seen: {PREvidence(connection.pr_evidence).label}"
        if connection.pr_evidence_note:
            pr += f" ({connection.pr_evidence_note})"
        details.append(PackDetail("Parental responsibility", pr))
        details.append(
            PackDetail("Lives with the child", "Yes" if connection.lives_with_child else "No")
        )
        if connection.is_restricted:
            details.append(PackDetail("Court order restriction", connection.restriction_summary))
    for label, value in [
        ("Organisation", person.organisation),
        ("Email", person.email),
        ("Phone", person.phone),
        ("Address", person.address),
        ("Preferred language", person.preferred_language),
    ]:
        if value.strip():
            details.append(PackDetail(label, value))
    if person.interpreter_needed:
        details.append(PackDetail("Interpreter needed", "Yes"))
    return details


def _family_notes(request: AccessRequest) -> list[str]:
    families = {
        family.pk: family
        for family in (request.child.family, request.requester.family)
        if family is not None
    }
    return [family.notes for _, family in sorted(families.items()) if family.notes]


def recipient_line(sharing: InformationSharing) -> str:
    """A recipient as the pack names it: the organisation, the recipient's role and the day
    (the person's own name is not what UK GDPR Art. 15(1)(c) asks for)."""
    role = f" ({sharing.recipient_role})" if sharing.recipient_role else ""
    return f"{sharing.recipient_organisation}{role}, {date_format(sharing.decided_on, 'j F Y')}"


def recipients(request: AccessRequest) -> list[str]:
    """Who the child's information was shared with, from the information-sharing log (policy
    P5), as reviewed for this request: the included recipients only, oldest first. UK GDPR
    Art. 15(1)(c) gives the parent the right to know the recipients; decisions not to share
    disclosed nothing and never come in.

    A recipient withheld under an exemption (a referral to children's social care or the
    police: DPA 2018 Sch. 2 para 2; Sch. 3 paras 7-8, 12 and 21) is left out with no line
    saying so. Unlike a withheld entry, whose date and "[withheld — reason]" stand in its
    place, a gap here would itself tell the parent that a disclosure was made: the ICO's
    guidance on the right of access accepts not telling the requester that information is
    withheld where telling them would prejudice the purpose of the exemption. A recipient not
    yet reviewed is not printed either. One query."""
    chosen = (
        request.prepared_recipients.filter(
            decision=Inclusion.INCLUDE, sharing__decision=SharingDecision.SHARED
        )
        .select_related("sharing")
        .order_by("sharing__decided_on", "sharing__pk")
    )
    return [recipient_line(recipient.sharing) for recipient in chosen]


def complaints_procedure(setting: Setting) -> str:
    """The "If you are unhappy" words: the setting's own complaints procedure, as its manager
    wrote it, introduced as the setting's (policy P10; UK GDPR Art. 15(1)(f), with the ICO's
    details in the template). Part of a copy's envelope: a copy of a pack fixed for the meeting
    gives the procedure as it stands when the copy is made (``services.frozen``)."""
    return f"The complaints procedure of {setting.name}: {setting.complaints_procedure.strip()}"


def content_for(request: AccessRequest, *, prepared_for: str, watermark: str | None):
    # One query each for the entries, their redactions and the statements reviewed with them,
    # however many.
    entries = (
        request.entries.select_related("record", "record__author")
        .prefetch_related("redactions")
        .order_by("record__occurred_at", "record__pk")
    )
    statements: dict[int, list[PreparedStatement]] = {}
    for prepared in request.prepared_statements.select_related("statement__person"):
        statements.setdefault(prepared.statement.record_id, []).append(prepared)
    kind_order = {value: index for index, value in enumerate(RecordKind.values)}
    ordered = sorted(entries, key=lambda e: kind_order.get(e.record.kind, 99))
    pack_entries = [_pack_entry(entry, statements.get(entry.record_id, [])) for entry in ordered]
    # Kinds of what is disclosed only: a withheld entry's kind is not told anywhere.
    kinds_held = [
        str(RecordKind(kind).label)
        for kind in RecordKind.values
        if any(e.record.kind == kind and not e.withheld for e in ordered)
    ]
    # Art. 15(1)(g): where information came from a third party and is disclosed, say who.
    sources = sorted(
        {
            entry.record.third_party_label
            for entry in ordered
            if entry.record.is_third_party and not entry.withheld
        }
    )
    meeting = Meeting.objects.filter(request=request).select_related("run_by").first()
    setting = request.child.setting
    return PackContent(
        reference=request.reference,
        child_name=str(request.child),
        child_date_of_birth=request.child.date_of_birth,
        prepared_for=prepared_for,
        prepared_by=str(meeting.run_by) if meeting else str(request.created_by),
        # The day the meeting was held, not the day it was arranged for.
        meeting_date=timezone.localdate(meeting.held_at) if meeting and meeting.held_at else None,
        setting_name=setting.name,
        watermark=watermark,
        entries=pack_entries,
        family_details=_family_details(request),
        family_notes=_family_notes(request),
        purposes=PURPOSES,
        categories=[
            f"Records about {request.child}: {', '.join(kinds_held).lower()}."
            if kinds_held
            else f"No records about {request.child}.",
            f"{request.child}'s name and date of birth.",
            "Your name, contact details, your connection with the child, parental "
            "responsibility and the evidence of it that was seen.",
        ],
        shared_with=recipients(request),
        retention=RETENTION,
        complaints_procedure=complaints_procedure(setting),
        third_party_sources=sources,
    )


def render_for(request: AccessRequest, *, prepared_for: str, watermark: str | None) -> bytes:
    # Imported here: WeasyPrint takes about 2 s to import, so only what renders a PDF pays.
    from access_requests.pdf import render_pack

    return render_pack(content_for(request, prepared_for=prepared_for, watermark=watermark))
