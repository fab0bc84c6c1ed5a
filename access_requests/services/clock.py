"""The statutory clock as the manager moves it: proof of identity asked for and received,
clarification pauses and extensions (UK GDPR Art. 12(3), 12A; DPA 2018 s.54). The dates
themselves come from the pure functions in ``access_requests.deadlines``.

Access requests (Art. 15) and rectification requests (Art. 16) run on the same clock: each
service here takes either, locks the request's own row and moves it through its own workflow's
transitions. Proof of identity (Art. 12A(2)) and the extension (Art. 12(3)) apply to every data
subject right; stopping the clock for a clarification does not: Art. 12A(3)-(5) (inserted by
the Data (Use and Access) Act 2025) and DPA 2018 s.54(3C) are about identifying the information
an access request relates to, so ``pause_start`` and ``pause_end`` refuse a correction
request."""

import datetime

from django.db import transaction
from django.utils import timezone

from access_requests import deadlines
from access_requests.models import (
    OPEN_STATES,
    AccessRequest,
    Pause,
    RectificationRequest,
    RectificationState,
    State,
)
from access_requests.services import rectification as rectifications
from access_requests.services.workflow import (
    _date_in_words,
    _locked,
    _move,
    _require_manager,
    _require_state,
    requester_without_pr,
)
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import User


def _require_manager_of(request: AccessRequest | RectificationRequest, actor: User) -> None:
    if isinstance(request, RectificationRequest):
        _require_manager(actor, request.child, rectifications.HANDLES)
    else:
        _require_manager(actor, request.child)


NO_PAUSE_ON_RECTIFICATION = (
    "The clock can be stopped for a clarification only on an access request (UK GDPR Art. 12A): "
    "a correction request runs for one month from receipt or proof of identity, extendable by "
    "two months."
)


def _access_request_only(request: AccessRequest | RectificationRequest) -> AccessRequest:
    """The clarification pause is the access request's alone (Art. 12A(3)-(5))."""
    if isinstance(request, RectificationRequest):
        raise WorkflowError(NO_PAUSE_ON_RECTIFICATION)
    return request


@transaction.atomic
def identity_request[R: (AccessRequest, RectificationRequest)](
    *, request: R, requested_on: datetime.date, asked_for: str, actor: User
) -> R:
    """Record that the requester was asked for what is needed to confirm their identity
    (UK GDPR Art. 12(6)). The month then starts again on the day it arrives (Art. 12A,
    DPA 2018 s.54(3)), recorded with ``identity_verify``.

    Asked for once, before identity is verified, and not after the due date: the ICO expects
    proof to be asked for promptly, and a request already overdue must stay visibly overdue
    rather than get a fresh month."""
    request = _locked(request)
    _require_manager_of(request, actor)
    if request.state != State.RECEIVED:
        raise WorkflowError("Proof of identity is asked for before identity is verified.")
    if request.identity_requested_on is not None:
        raise WorkflowError(
            "Proof of identity was already asked for on "
            f"{_date_in_words(request.identity_requested_on)}."
        )
    if not asked_for.strip():
        raise WorkflowError("Say what was asked for to confirm the requester's identity.")
    if requested_on < request.received_on or requested_on > timezone.localdate():
        raise WorkflowError("Proof of identity can be asked for only between receipt and today.")
    due = request.due_on()
    if due is not None and requested_on > due:
        raise WorkflowError(
            f"The request was due on {_date_in_words(due)}: asking for proof of identity "
            "afterwards cannot start a month that has already run out. Ask promptly, or "
            "answer the request now."
        )
    request.identity_requested_on = requested_on
    request.identity_asked_for = asked_for.strip()
    save_as(request, actor=actor, reason="Proof of identity asked for")
    return request


@transaction.atomic
def identity_verify[R: (AccessRequest, RectificationRequest)](
    *,
    request: R,
    method: str,
    actor: User,
    identity_received_on: datetime.date | None = None,
) -> R:
    """Record how identity was verified. Where proof was asked for, ``identity_received_on``
    is the day it arrived: the month runs from that day (Art. 12A, DPA 2018 s.54(3))."""
    request = _locked(request)
    _require_manager_of(request, actor)
    _require_state(request, {State.RECEIVED}, "identity is verified once, on receipt.")
    if not method.strip():
        raise WorkflowError("Say how the requester's identity was verified.")
    if refusal := requester_without_pr(request):
        if isinstance(request, RectificationRequest):
            raise WorkflowError(
                f"{refusal} The request can only be refused (with the reasons and the right to "
                "complain to the ICO and to go to court) or withdrawn, unless the register is "
                "wrong and is corrected first."
            )
        raise WorkflowError(
            f"{refusal} The request can only be refused (with the reasons and the right to "
            "complain to the ICO and to go to court) or withdrawn, unless the register is wrong "
            "and is corrected first."
        )
    if request.identity_requested_on is None:
        if identity_received_on is not None:
            raise WorkflowError(
                "Proof of identity was not asked for, so the month runs from the day the "
                "request was received: leave the day it arrived empty, or first record that it "
                "was asked for."
            )
    else:
        if identity_received_on is None:
            raise WorkflowError(
                "Give the day the proof of identity arrived: the month starts again that day."
            )
        if identity_received_on < request.identity_requested_on:
            raise WorkflowError(
                "The proof of identity cannot arrive before it was asked for "
                f"({_date_in_words(request.identity_requested_on)})."
            )
        if identity_received_on > timezone.localdate():
            raise WorkflowError("The day the proof of identity arrived cannot be in the future.")
        request.identity_received_on = identity_received_on
    request.identity_method = method.strip()
    request.identity_verified_by = actor
    request.identity_verified_at = timezone.now()
    if isinstance(request, RectificationRequest):
        return rectifications._move(
            request, RectificationState.IDENTITY_VERIFIED, actor=actor, reason="Identity verified"
        )
    return _move(request, State.IDENTITY_VERIFIED, actor=actor, reason="Identity verified")


@transaction.atomic
def pause_start(
    *,
    request: AccessRequest | RectificationRequest,
    reason: str,
    started_on: datetime.date,
    actor: User,
) -> Pause:
    """Stop the clock while a clarification the setting reasonably needs to identify the
    information asked for is awaited (Art. 12A(3)-(5), DPA 2018 s.54(3C)). Only a month that has
    not yet run out can be stopped, and only on an access request."""
    request = _locked(request)
    _require_manager_of(request, actor)
    request = _access_request_only(request)
    if not request.is_open:
        raise WorkflowError("The request is no longer open.")
    if not reason.strip():
        raise WorkflowError("Say what clarification was asked for.")
    if request.waiting_for_identity:
        raise WorkflowError(
            "The month has not started: it starts when the proof of identity arrives."
        )
    pauses = list(request.pauses.all())
    if any(pause.ended_on is None for pause in pauses):
        raise WorkflowError("The clock is already stopped.")
    if started_on < request.received_on or started_on > timezone.localdate():
        raise WorkflowError("The clock can stop only between receipt and today.")
    if request.identity_received_on and started_on < request.identity_received_on:
        raise WorkflowError(
            "The month started again on "
            f"{_date_in_words(request.identity_received_on)}, when the proof of identity "
            "arrived: the clock can stop only from that day."
        )
    last_end = max((p.ended_on for p in pauses if p.ended_on is not None), default=None)
    if last_end is not None and started_on < last_end:
        raise WorkflowError(
            f"The clock was stopped until {_date_in_words(last_end)}: it can stop again only "
            "from that day."
        )
    due = request.due_on()
    if due is not None and started_on > due:
        raise WorkflowError(
            f"The request was due on {_date_in_words(due)} and is overdue: the clock can be "
            "stopped only before the month runs out. Answer the request as soon as possible."
        )
    pause = Pause(request=request, started_on=started_on, reason=reason.strip())
    save_as(pause, actor=actor, reason="Clock stopped")
    return pause


@transaction.atomic
def pause_end(
    *, request: AccessRequest | RectificationRequest, ended_on: datetime.date, actor: User
) -> Pause:
    request = _locked(request)
    _require_manager_of(request, actor)
    request = _access_request_only(request)
    _require_state(request, set(OPEN_STATES), "an ended request's clock does not restart.")
    pause = request.pauses.filter(ended_on__isnull=True).first()
    if pause is None:
        raise WorkflowError("The clock is not stopped.")
    if ended_on < pause.started_on or ended_on > timezone.localdate():
        raise WorkflowError("The answer must arrive between the question and today.")
    pause.ended_on = ended_on
    save_as(pause, actor=actor, reason="Clock restarted")
    return pause


@transaction.atomic
def extension_record[R: (AccessRequest, RectificationRequest)](
    *,
    request: R,
    months: int,
    reason: str,
    told_on: datetime.date,
    reasons_told: bool,
    actor: User,
) -> R:
    """Extend the deadline by one or two further months for a complex or numerous request
    (UK GDPR Art. 12(3), Art. 12A; DPA 2018 s.54(3A)-(3B)). The requester must have been told,
    with the reasons for the delay, on or before the unextended due date: one month from the
    day the month started (receipt, or the day proof of identity arrived), not counting the
    days the clock was stopped."""
    request = _locked(request)
    _require_manager_of(request, actor)
    if not request.is_open:
        raise WorkflowError(
            f"The request is “{request.get_state_display()}”: an ended request is not extended."
        )
    if months not in (1, 2):
        raise WorkflowError("An extension is one or two further months.")
    if not reason.strip():
        raise WorkflowError("Say why the request is complex enough to need longer.")
    if not reasons_told:
        raise WorkflowError(
            "The requester must be told the reasons for the delay with the extension "
            "(UK GDPR Art. 12(3)): confirm that they were."
        )
    if told_on > timezone.localdate():
        raise WorkflowError("The day the requester was told cannot be in the future.")
    if told_on < request.received_on:
        raise WorkflowError(
            "The day the requester was told cannot be before the request was received "
            f"({_date_in_words(request.received_on)})."
        )
    pauses = request.deadline_pauses()
    if not deadlines.extension_allowed(
        received=request.received_on,
        identity_requested=request.identity_requested_on,
        identity_received=request.identity_received_on,
        pauses=pauses,
        told_on=told_on,
    ):
        unextended = deadlines.due_date(
            received=request.received_on,
            identity_requested=request.identity_requested_on,
            identity_received=request.identity_received_on,
            pauses=pauses,
        )
        raise WorkflowError(
            "The requester must be told of an extension within the first month, that is by "
            f"{_date_in_words(unextended)}; it is too late to extend now."
            if unextended
            else "The requester must be told of an extension within the first month."
        )
    request.extension_months = months
    request.extension_reason = reason.strip()
    request.extension_told_on = told_on
    request.extension_reasons_told = True
    save_as(request, actor=actor, reason="Deadline extended")
    return request
