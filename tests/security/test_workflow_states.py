"""Every workflow service refuses a step its request's state does not allow (P7-P9, P12), with
a WorkflowError for the manager, and changes nothing when it does.

One table: each service, called with arguments that would do in a state it allows, and the
states it allows; every other state must refuse it.
"""

import datetime
import inspect
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from access_requests import services
from access_requests.models import (
    OPEN_STATES,
    AccessRequest,
    Attendee,
    ControversyFlag,
    Helper,
    LegalAdvice,
    Meeting,
    PackRelease,
    Pause,
    PreparedEntry,
    Redaction,
    State,
)
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from tests.security.conftest import bring_to

BEFORE_RELEASE = OPEN_STATES - {State.COPY_RELEASED}
ARRANGING = {State.PREPARING, State.READY_FOR_MEETING}
AFTER_MEETING = {State.MEETING_HELD, State.MEETING_DECLINED}


@dataclass
class World:
    request: AccessRequest
    manager: Any
    mother: Any
    # None only where the request never reached preparation (skipped there).
    entry: Any
    redaction: Any
    flag: ControversyFlag
    advice: LegalAdvice
    today: datetime.date
    now: datetime.datetime


Call = Callable[[World], Any]

# name: (a call that would do in an allowed state, the states that allow it)
TABLE: dict[str, tuple[Call, AbstractSet[str]]] = {
    "identity_request": (
        lambda w: services.identity_request(
            request=w.request, requested_on=w.today, asked_for="Passport", actor=w.manager
        ),
        {State.RECEIVED},
    ),
    "identity_verify": (
        lambda w: services.identity_verify(
            request=w.request, method="Passport seen", actor=w.manager
        ),
        {State.RECEIVED},
    ),
    "pause_start": (
        lambda w: services.pause_start(
            request=w.request, reason="Which years?", started_on=w.today, actor=w.manager
        ),
        OPEN_STATES,
    ),
    "pause_end": (
        lambda w: services.pause_end(request=w.request, ended_on=w.today, actor=w.manager),
        OPEN_STATES,
    ),
    "extension_record": (
        lambda w: services.extension_record(
            request=w.request,
            months=1,
            reason="Many records",
            told_on=w.today,
            reasons_told=True,
            actor=w.manager,
        ),
        OPEN_STATES,
    ),
    "preparation_start": (
        lambda w: services.preparation_start(request=w.request, actor=w.manager),
        {State.IDENTITY_VERIFIED},
    ),
    "entries_add_new": (
        lambda w: services.entries_add_new(request=w.request, actor=w.manager),
        {State.PREPARING},
    ),
    "entry_decide": (
        lambda w: services.entry_decide(entry=w.entry, disclosure="disclose", actor=w.manager),
        {State.PREPARING},
    ),
    "entries_review": (
        lambda w: services.entries_review(request=w.request, decisions=[], actor=w.manager),
        {State.PREPARING},
    ),
    "redaction_add": (
        lambda w: services.redaction_add(
            entry=w.entry,
            passage=w.entry.record.body.split()[0],
            reason="third_party",
            note="Names another family",
            actor=w.manager,
        ),
        {State.PREPARING},
    ),
    "redaction_remove": (
        lambda w: services.redaction_remove(redaction=w.redaction, actor=w.manager),
        {State.PREPARING},
    ),
    "ready_for_meeting": (
        lambda w: services.ready_for_meeting(request=w.request, actor=w.manager),
        {State.PREPARING},
    ),
    "preparation_reopen": (
        lambda w: services.preparation_reopen(
            request=w.request, reason="An entry was corrected", actor=w.manager
        ),
        {State.READY_FOR_MEETING, *AFTER_MEETING},
    ),
    "flag_raise": (
        lambda w: services.flag_raise(request=w.request, kind="appeal", note="", actor=w.manager),
        BEFORE_RELEASE,
    ),
    "legal_advice_record": (
        lambda w: services.legal_advice_record(
            request=w.request,
            flags=[w.flag],
            adviser="Council solicitor",
            advised_on=w.today,
            summary="May go ahead.",
            outcome="release",
            actor=w.manager,
        ),
        BEFORE_RELEASE,
    ),
    "advice_redactions_confirm": (
        lambda w: services.advice_redactions_confirm(
            request=w.request, advice=w.advice, actor=w.manager
        ),
        BEFORE_RELEASE,
    ),
    "helper_add": (
        lambda w: services.helper_add(
            request=w.request,
            name="Ana Silva",
            role="interpreter",
            organisation="",
            actor=w.manager,
        ),
        BEFORE_RELEASE,
    ),
    "meeting_schedule": (
        lambda w: services.meeting_schedule(
            request=w.request,
            scheduled_at=w.now + datetime.timedelta(days=1),
            place="Office",
            reason="The parent asked for a later day",
            actor=w.manager,
        ),
        ARRANGING,
    ),
    "attendee_add": (
        lambda w: services.attendee_add(request=w.request, person=w.mother, actor=w.manager),
        ARRANGING,
    ),
    "meeting_record_held": (
        lambda w: services.meeting_record_held(
            request=w.request, held_at=w.now, contents_explained=True, actor=w.manager
        ),
        {State.READY_FOR_MEETING},
    ),
    "meeting_record_declined": (
        lambda w: services.meeting_record_declined(
            request=w.request,
            offered_on=w.today,
            offered_how="letter",
            declined_on=w.today,
            actor=w.manager,
        ),
        {State.READY_FOR_MEETING},
    ),
    "pack_release": (
        lambda w: services.pack_release(
            request=w.request, recipient_person=w.mother, route="post", actor=w.manager
        ),
        AFTER_MEETING,
    ),
    "request_close": (
        lambda w: services.request_close(request=w.request, actor=w.manager),
        {*AFTER_MEETING, State.COPY_RELEASED},
    ),
    "request_withdraw": (
        lambda w: services.request_withdraw(
            request=w.request, reason="Changed their mind", actor=w.manager
        ),
        OPEN_STATES,
    ),
    "request_refuse": (
        lambda w: services.request_refuse(
            request=w.request,
            reason="Manifestly unfounded",
            ground="other",
            told_on=w.today,
            told_how="letter",
            told_of_rights=True,
            actor=w.manager,
        ),
        OPEN_STATES,
    ),
}

# Entries exist once preparation starts: a request refused or withdrawn before has none to
# act on.
NEEDS_AN_ENTRY = {"entry_decide", "redaction_add", "redaction_remove"}


def test_every_workflow_service_is_in_the_table():
    steps = {
        name
        for name in services.__all__
        if callable(obj := getattr(services, name))
        and inspect.isfunction(obj)
        and "actor" in inspect.signature(obj).parameters
        # Rectification requests have a table of their own (test_rectification_states.py).
        and obj.__module__ != "access_requests.services.rectification"
    }
    # Creating a request has no state before it to refuse.
    assert steps - {"request_create"} == set(TABLE)


def _world(request: AccessRequest, manager, mother) -> World:
    return World(
        request=request,
        manager=manager,
        mother=mother,
        entry=None,
        redaction=None,
        flag=ControversyFlag(),
        advice=LegalAdvice(),
        today=timezone.localdate(),
        now=timezone.now(),
    )


def _objects_to_act_on(world: World) -> None:
    """A flag, advice waiting for redactions, an open pause and a withheld passage, made
    directly (not through the services under test), so every step has something to act on."""
    request, manager = world.request, world.manager
    world.flag = ControversyFlag(request=request, kind="appeal", raised_by=manager)
    save_as(world.flag, actor=manager)
    world.advice = LegalAdvice(
        request=request,
        adviser="Council solicitor",
        advised_on=world.today,
        summary="Release once the neighbour's name is out.",
        outcome="release_redacted",
        redactions_requested="The neighbour's name",
        recorded_by=manager,
    )
    save_as(world.advice, actor=manager)
    if not request.pauses.filter(ended_on__isnull=True).exists():
        save_as(
            Pause(request=request, started_on=world.today, reason="Which years?"), actor=manager
        )
    world.entry = request.entries.select_related("record").order_by("pk").first()
    if world.entry is not None:
        world.redaction = Redaction(
            entry=world.entry,
            passage=world.entry.record.body.split()[0],
            reason="third_party",
            note="Names another family",
            added_by=manager,
        )
        save_as(world.redaction, actor=manager)


def _snapshot(request: AccessRequest) -> tuple:
    request = AccessRequest.objects.get(pk=request.pk)
    counts = tuple(
        model.objects.count()
        for model in (
            Attendee,
            ControversyFlag,
            Helper,
            LegalAdvice,
            Meeting,
            PackRelease,
            Pause,
            PreparedEntry,
            Redaction,
        )
    )
    histories = tuple(
        model.history.count() for model in (AccessRequest, Meeting, PreparedEntry, LegalAdvice)
    )
    return request.state, counts, histories


@pytest.mark.parametrize("state", list(State))
def test_each_service_refuses_the_states_it_does_not_allow(
    state, request_received, manager, mother, general_record, sensitive_record
):
    bring_to(state, request_received, manager, mother)
    request = AccessRequest.objects.get(pk=request_received.pk)
    assert request.state == state
    world = _world(request, manager, mother)
    _objects_to_act_on(world)
    accepted, crashed = [], []
    for name, (call, allowed) in TABLE.items():
        if state in allowed or (name in NEEDS_AN_ENTRY and world.entry is None):
            continue
        world.request = AccessRequest.objects.get(pk=request.pk)
        before = _snapshot(request)
        try:
            call(world)
        except WorkflowError:
            pass
        except Exception as error:
            crashed.append(f"{name}: {error!r}")
        else:
            accepted.append(name)
        assert _snapshot(request) == before, f"{name} changed something in “{state}”"
    assert not accepted, f"Accepted in “{state}”: {accepted}"
    assert not crashed, f"Crashed in “{state}”: {crashed}"
