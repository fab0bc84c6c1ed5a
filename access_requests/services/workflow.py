"""The access-request workflow (P7-P9, P12) as an explicit state machine: where each state may
go next (``TRANSITIONS``), the one place a request moves (``_move``, with history and the access
log), and the checks every step shares."""

import datetime
from collections.abc import Set as AbstractSet

from access_requests.models import (
    OPEN_STATES,
    AccessRequest,
    Meeting,
    RectificationRequest,
    State,
    StatutoryClock,
)
from children.models import Child, ChildPerson, Person
from setting_records import access, access_log
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import AccessAction, User

# Where each state may go next; withdrawn and refused are reachable from every open state.
TRANSITIONS: dict[str, set[str]] = {
    State.RECEIVED: {State.IDENTITY_VERIFIED},
    State.IDENTITY_VERIFIED: {State.PREPARING},
    State.PREPARING: {State.READY_FOR_MEETING},
    State.READY_FOR_MEETING: {State.PREPARING, State.MEETING_HELD, State.MEETING_DECLINED},
    # Back to preparing when the content changed after it was fixed: it is discussed again.
    State.MEETING_HELD: {State.PREPARING, State.COPY_RELEASED, State.CLOSED},
    State.MEETING_DECLINED: {State.PREPARING, State.COPY_RELEASED, State.CLOSED},
    State.COPY_RELEASED: {State.CLOSED},
    State.CLOSED: set(),
    State.WITHDRAWN: set(),
    State.REFUSED: set(),
}


for _state in OPEN_STATES:
    TRANSITIONS[_state] |= {State.WITHDRAWN, State.REFUSED}


def _why(text: str) -> str:
    """A history reason on one line, kept in full (the history's reason is a text column)."""
    return " ".join(text.split())


#: An access request or a rectification request: both run on the statutory clock.
AnyRequest = AccessRequest | RectificationRequest


def _locked[Clocked: StatutoryClock](request: Clocked) -> Clocked:
    """The request row (of its own model: an access or a rectification request), locked for
    the rest of the transaction (PostgreSQL; SQLite's BEGIN IMMEDIATE already lets one writer
    in at a time), read afresh."""
    return (
        type(request)
        ._default_manager.select_for_update()
        .select_related("child__setting")
        .get(pk=request.pk)
    )


def _move(request: AccessRequest, to: str, *, actor: User, reason: str) -> AccessRequest:
    if to not in TRANSITIONS[request.state]:
        raise WorkflowError(
            f"A request that is “{request.get_state_display()}” cannot become “{State(to).label}”."
        )
    previous = request.state
    request.state = to
    save_as(request, actor=actor, reason=reason)
    access_log.append(
        action=AccessAction.REQUEST_STATE_CHANGED,
        actor=actor,
        child=request.child,
        detail={"request": request.pk, "from": previous, "to": to},
    )
    return request


#: Open, and the copy not yet released: what may still change what goes out.
BEFORE_RELEASE = OPEN_STATES - {State.COPY_RELEASED}


def _require_state(request: AnyRequest, states: AbstractSet[str], rule: str) -> None:
    """Refuse a step its request's state does not allow, saying the state and the rule."""
    if request.state not in states:
        raise WorkflowError(f"The request is “{request.get_state_display()}”: {rule}")


def _meeting_of(request: AccessRequest) -> Meeting:
    meeting = Meeting.objects.filter(request=request).first()
    if meeting is None:
        raise WorkflowError("Arrange the meeting first.")
    return meeting


def _require_manager(actor: User, child: Child, handles: str = "access requests") -> None:
    if not access.manages(actor, child.setting_id):
        raise WorkflowError(f"Only the setting's manager handles {handles}.")


def pr_connection(child: Child, person: Person) -> ChildPerson | None:
    """The person's current connection with the child: an ended one counts for nothing."""
    return ChildPerson.objects.current().filter(child=child, person=person).first()


def _date_in_words(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _awaiting(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


def requester_without_pr(request: AnyRequest) -> str | None:
    """Why the requester may not have the child's records, by the register as it is now."""
    connection = pr_connection(request.child, request.requester)
    if connection is None:
        return f"{request.requester} is not in {request.child}'s register."
    if not connection.has_parental_responsibility:
        return f"{request.requester} does not hold parental responsibility for {request.child}."
    return None


def _requester_may_receive(request: AccessRequest) -> str | None:
    """Parental responsibility and court-order restrictions, checked again at release."""
    if refusal := requester_without_pr(request):
        return refusal
    connection = pr_connection(request.child, request.requester)
    if connection is not None and connection.is_restricted:
        return (
            f"{request.requester} is under a court order restriction: "
            f"{connection.restriction_summary}"
        )
    return None
