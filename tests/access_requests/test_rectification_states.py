"""Every rectification service refuses a step its request's state does not allow, with a
WorkflowError for the manager, and changes nothing when it does (policy P11).

One table, like tests/security/test_workflow_states.py: each service, called with arguments
that would do in a state it allows, and the states it allows; every other state must refuse.
"""

import inspect

import pytest
from django.utils import timezone

from access_requests import services
from access_requests.models import (
    OPEN_RECTIFICATION_STATES,
    RectificationNotice,
    RectificationRequest,
    RectificationState,
)
from access_requests.services import rectification as rectification_services
from children.models import ParentStatement, Record
from setting_records.errors import WorkflowError
from tests.access_requests.conftest import decide_corrected, rectify, share_entry, verify

S = RectificationState
TODAY = timezone.localdate

# name: (a call that would do in an allowed state, the states that allow it)
TABLE = {
    "identity_request": (
        lambda w: services.identity_request(
            request=w["item"], requested_on=TODAY(), asked_for="Passport", actor=w["manager"]
        ),
        {S.RECEIVED},
    ),
    "identity_verify": (
        lambda w: services.identity_verify(
            request=w["item"], method="Passport seen", actor=w["manager"]
        ),
        {S.RECEIVED},
    ),
    "extension_record": (
        lambda w: services.extension_record(
            request=w["item"],
            months=1,
            reason="Several accounts to check",
            told_on=TODAY(),
            reasons_told=True,
            actor=w["manager"],
        ),
        OPEN_RECTIFICATION_STATES,
    ),
    "rectification_decide": (
        lambda w: services.rectification_decide(
            rectification=w["item"],
            actor=w["manager"],
            outcome="kept",
            found_nature="fact",
            misclassified=False,
            reasons="A different view of events",
            statement_words="I disagree.",
            statement_made_on=TODAY(),
            statement_taken_how="meeting",
        ),
        {S.IDENTITY_VERIFIED},
    ),
    "rectification_tell": (
        lambda w: services.rectification_tell(
            rectification=w["item"],
            actor=w["manager"],
            told_on=TODAY(),
            told_how="letter",
            told_of_rights=True,
        ),
        {S.DECIDED},
    ),
    "rectification_withdraw": (
        lambda w: services.rectification_withdraw(
            rectification=w["item"], actor=w["manager"], reason="Changed their mind"
        ),
        {S.RECEIVED, S.IDENTITY_VERIFIED},
    ),
    "rectification_refuse": (
        lambda w: services.rectification_refuse(
            rectification=w["item"],
            actor=w["manager"],
            ground="excessive",
            reason="The fourth request about this entry this month.",
            told_on=TODAY(),
            told_how="letter",
            told_of_rights=True,
        ),
        {S.RECEIVED, S.IDENTITY_VERIFIED},
    ),
    "notice_record": (
        lambda w: services.notice_record(
            rectification=w["item"],
            sharing=w["sharing"],
            actor=w["manager"],
            outcome="notified",
            done_on=TODAY(),
            method="phone",
        ),
        {S.DECIDED, S.CLOSED},
    ),
}

# The clock's services; ``pause_start`` and ``pause_end`` refuse a correction request in every
# state (tests/access_requests/test_rectification.py), so they are not in the table.
CLOCK = {"identity_request", "identity_verify", "extension_record"}


def test_every_rectification_service_is_in_the_table():
    steps = {
        name
        for name, obj in inspect.getmembers(rectification_services, inspect.isfunction)
        if obj.__module__ == rectification_services.__name__
        and "actor" in inspect.signature(obj).parameters
        and name in services.__all__
    }
    # Creating a request has no state before it to refuse.
    assert steps - {"rectification_create"} == set(TABLE) - CLOCK


def bring_to(state, rectification, manager):
    if state == S.RECEIVED:
        return
    if state == S.WITHDRAWN:
        services.rectification_withdraw(
            rectification=rectification, actor=manager, reason="Changed their mind"
        )
        return
    if state == S.REFUSED:
        services.rectification_refuse(
            rectification=rectification,
            actor=manager,
            ground="manifestly_unfounded",
            reason="Asked and answered last week.",
            told_on=TODAY(),
            told_how="letter",
            told_of_rights=True,
        )
        return
    verify(rectification, manager)
    if state == S.IDENTITY_VERIFIED:
        return
    decide_corrected(rectification, manager)
    if state == S.CLOSED:
        services.rectification_tell(
            rectification=rectification,
            actor=manager,
            told_on=TODAY(),
            told_how="letter",
            told_of_rights=True,
        )


def _snapshot(item):
    item = RectificationRequest.objects.get(pk=item.pk)
    record = Record.objects.get(pk=item.record_id)
    counts = tuple(model.objects.count() for model in (RectificationNotice, ParentStatement))
    histories = (RectificationRequest.history.count(), Record.history.count())
    return item.state, record.disputed, record.body, counts, histories


@pytest.mark.parametrize("state", list(S))
def test_each_service_refuses_the_states_it_does_not_allow(state, general_record, mother, manager):
    sharing = share_entry(general_record, manager)
    item = rectify(general_record, mother, manager)
    bring_to(state, item, manager)
    item = RectificationRequest.objects.get(pk=item.pk)
    assert item.state == state
    accepted, crashed = [], []
    for name, (call, allowed) in TABLE.items():
        if state in allowed:
            continue
        world = {
            "item": RectificationRequest.objects.get(pk=item.pk),
            "manager": manager,
            "sharing": sharing,
        }
        before = _snapshot(item)
        try:
            call(world)
        except WorkflowError:
            pass
        except Exception as error:
            crashed.append(f"{name}: {error!r}")
        else:
            accepted.append(name)
        assert _snapshot(item) == before, f"{name} changed something in “{state}”"
    assert not accepted, f"Accepted in “{state}”: {accepted}"
    assert not crashed, f"Crashed in “{state}”: {crashed}"


@pytest.mark.parametrize("name", sorted(TABLE))
def test_each_service_is_refused_to_another_setting_s_manager(
    name, general_record, mother, manager, othermanager
):
    sharing = share_entry(general_record, manager)
    item = rectify(general_record, mother, manager)
    call, allowed = TABLE[name]
    state = next(s for s in S if s in allowed)
    bring_to(state, item, manager)
    before = _snapshot(item)
    world = {
        "item": RectificationRequest.objects.get(pk=item.pk),
        "manager": othermanager,
        "sharing": sharing,
    }
    with pytest.raises(WorkflowError, match="Only the setting's manager"):
        call(world)
    assert _snapshot(item) == before
