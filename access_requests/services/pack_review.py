"""The review of what a pack prints besides the entries: the parents' statements beside them
and the recipients on its "Your rights" page. Each is brought into the request like an entry,
and included or withheld (with an exemption and a note) in the same review.

A statement by the requester is their own data and is proposed for inclusion; a statement by
anyone else (the other parent, a solicitor) is that person's data (DPA 2018 Sch. 2 para 16) and
may quote a passage withheld from its entry, so it waits for the manager's decision. Every
recipient waits for one: UK GDPR Art. 15(1)(c) gives the parent the recipients, but naming a
referral to children's social care or the police can prejudice what the exemptions protect
(DPA 2018 Sch. 2 para 2; Sch. 3 paras 7-8, 12 and 21).
"""

from dataclasses import dataclass

from access_requests.models import (
    AccessRequest,
    Inclusion,
    PreparedExtra,
    PreparedRecipient,
    PreparedStatement,
    withholding_problem,
)
from access_requests.pack import recipient_line
from children import sharing as sharing_log
from children.models import ParentStatement
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import User

__all__ = [
    "ExtraDecision",
    "extra_problem",
    "extras_add_new",
    "extras_review",
    "extras_waiting",
]


def extras_add_new(*, request: AccessRequest, actor: User) -> None:
    """Bring in every statement on the child's entries and every recipient in the child's
    sharing log that the request does not have yet. The requester's own statements are
    proposed for inclusion; everything else waits for a decision. Two queries to find them,
    however many there are already."""
    statements = (
        ParentStatement.objects.filter(record__child_id=request.child_id)
        .exclude(pk__in=request.prepared_statements.values("statement_id"))
        .order_by("made_on", "recorded_at", "pk")
    )
    for statement in statements:
        own = statement.person_id is not None and statement.person_id == request.requester_id
        prepared = PreparedStatement(
            request=request,
            statement=statement,
            decision=Inclusion.INCLUDE if own else "",
            proposed_by_default=own,
        )
        save_as(prepared, actor=actor, reason="Statement brought into the review")
    sharings = sharing_log.child_recipients(request.child).exclude(
        pk__in=request.prepared_recipients.values("sharing_id")
    )
    for sharing in sharings:
        recipient = PreparedRecipient(request=request, sharing=sharing)
        save_as(recipient, actor=actor, reason="Recipient brought into the review")


def extra_problem(*, decision: str, withhold_reason: str, withhold_note: str) -> str | None:
    """Why this decision on a statement or a recipient cannot be saved, or None. An empty
    decision is allowed here (not yet decided); making the request ready refuses it."""
    if decision and decision not in Inclusion.values:
        return "Choose include or withhold."
    if decision == Inclusion.WITHHOLD:
        return withholding_problem(withhold_reason, withhold_note)
    return None


@dataclass(frozen=True)
class ExtraDecision:
    """One statement or recipient of the review list as the manager left it."""

    extra_id: int
    decision: str
    withhold_reason: str = ""
    withhold_note: str = ""
    reason_may_be_told: bool = True


def _unchanged(extra: PreparedExtra, decision: ExtraDecision) -> bool:
    if extra.decision != decision.decision:
        return False
    if isinstance(extra, PreparedStatement) and extra.proposed_by_default and decision.decision:
        # Confirming a proposal is a decision of the manager's: kept in history.
        return False
    if decision.decision != Inclusion.WITHHOLD:
        return True
    told = getattr(extra, "reason_may_be_told", True)
    return (
        extra.withhold_reason == decision.withhold_reason
        and extra.withhold_note == decision.withhold_note.strip()
        and told == decision.reason_may_be_told
    )


def _decide(extra: PreparedExtra, decision: ExtraDecision, *, label: str, actor: User) -> None:
    if problem := extra_problem(
        decision=decision.decision,
        withhold_reason=decision.withhold_reason,
        withhold_note=decision.withhold_note,
    ):
        raise WorkflowError(f"{label}: {problem}")
    if _unchanged(extra, decision):
        return
    withheld = decision.decision == Inclusion.WITHHOLD
    extra.decision = decision.decision
    extra.withhold_reason = decision.withhold_reason if withheld else ""
    extra.withhold_note = decision.withhold_note.strip() if withheld else ""
    if isinstance(extra, PreparedStatement):
        extra.reason_may_be_told = decision.reason_may_be_told if withheld else True
        extra.proposed_by_default = False
    extra.reviewed_by = actor if decision.decision else None
    reason = "Withheld" if withheld else "Included" if decision.decision else "Undecided"
    save_as(extra, actor=actor, reason=reason)


def extras_review(
    *,
    request: AccessRequest,
    statements: list[ExtraDecision],
    recipients: list[ExtraDecision],
    actor: User,
) -> None:
    """Save the statements' and recipients' decisions of one "Save all". Called by
    ``entries_review`` inside its transaction, with the request locked and checked."""
    found_statements = request.prepared_statements.select_related("statement__record").in_bulk(
        [d.extra_id for d in statements]
    )
    for decision in statements:
        statement = found_statements.get(decision.extra_id)
        if statement is None:
            raise WorkflowError("That statement is not part of this request.")
        label = f"The statement on “{statement.statement.record.title}”"
        _decide(statement, decision, label=label, actor=actor)
    found_recipients = request.prepared_recipients.select_related("sharing").in_bulk(
        [d.extra_id for d in recipients]
    )
    for decision in recipients:
        recipient = found_recipients.get(decision.extra_id)
        if recipient is None:
            raise WorkflowError("That recipient is not part of this request.")
        label = f"The recipient {recipient_line(recipient.sharing)}"
        _decide(recipient, decision, label=label, actor=actor)


def extras_waiting(request: AccessRequest) -> list[str]:
    """What still needs a decision before the meeting, in the manager's words: each statement
    of an entry that goes in, and each recipient. A statement of a withheld entry is not
    printed, whatever its decision."""
    waiting = []
    statements = (
        request.prepared_statements.filter(decision="")
        .select_related("statement__record", "statement__person")
        .order_by("statement__record__occurred_at", "statement__made_on", "pk")
    )
    withheld_records = {
        entry.record_id
        for entry in request.entries.only("record_id", "included", "disclosure")
        if entry.withheld
    }
    for prepared in statements:
        statement = prepared.statement
        if statement.record_id in withheld_records:
            continue
        waiting.append(f"the statement by {statement.made_by} on “{statement.record.title}”")
    recipients = request.prepared_recipients.filter(decision="").select_related("sharing")
    for recipient in recipients.order_by("sharing__decided_on", "pk"):
        waiting.append(f"the recipient {recipient_line(recipient.sharing)}")
    return waiting
