"""Demo access requests for ``seed_demo``: one in every state of the workflow.

Written through the services, so each request got where it is the way a real one would, with
its history, its access-log rows and (for the released one) a real stored PDF.
"""

import datetime

from django.utils import timezone

from access_requests import services
from children.models import Child, ChildPerson
from setting_records.demo import DemoStaff


def _parents(setting) -> list[tuple[Child, ChildPerson]]:
    """Children with a parent who may ask and attend: parental responsibility, no restriction."""
    found = []
    for child in Child.objects.filter(setting=setting, left_on__isnull=True).order_by("pk"):
        for connection in child.connections.select_related("person"):
            if connection.has_parental_responsibility and not connection.is_restricted:
                found.append((child, connection))
                break
    return found


def create_requests(*, staff: DemoStaff) -> None:
    manager = staff.manager
    today = timezone.localdate()
    now = timezone.now()
    pairs = iter(_parents(staff.first_setting))

    def new(days_ago: int, channel: str = "letter"):
        child, connection = next(pairs)
        return services.request_create(
            child=child,
            requester=connection.person,
            received_on=today - datetime.timedelta(days=days_ago),
            channel=channel,
            actor=manager,
        )

    def verified(days_ago: int):
        request = new(days_ago, "email")
        services.identity_verify(request=request, method="Passport seen in person", actor=manager)
        return request

    def prepared(days_ago: int):
        request = verified(days_ago)
        services.preparation_start(request=request, actor=manager)
        for entry in request.entries.select_related("record"):
            if entry.needs_review:
                confidential = entry.record.third_party_confidential
                services.entry_decide(
                    entry=entry,
                    included=True,
                    disclosure="withhold" if confidential else "professional",
                    withhold_reason="third_party" if confidential else "",
                    actor=manager,
                )
        return request

    def meeting(request, *, held: bool):
        services.ready_for_meeting(request=request, actor=manager)
        services.meeting_schedule(
            request=request,
            scheduled_at=now - datetime.timedelta(days=1)
            if held
            else now + datetime.timedelta(days=5),
            place="The manager's office",
            actor=manager,
        )
        services.attendee_add(request=request, person=request.requester, actor=manager)
        if held:
            services.meeting_record_held(
                request=request,
                held_at=now - datetime.timedelta(days=1),
                contents_explained=True,
                actor=manager,
            )
        return request

    new(2)  # received: identity still to check
    waiting = new(12)  # received: proof of identity asked for; the month has not started
    services.identity_request(
        request=waiting,
        requested_on=today - datetime.timedelta(days=11),
        asked_for="A copy of a passport or driving licence, and a recent utility bill",
        actor=manager,
    )
    # Identity verified after proof was asked for: the month started again the day it arrived.
    restarted = new(9, "email")  # identity verified
    services.identity_request(
        request=restarted,
        requested_on=today - datetime.timedelta(days=9),
        asked_for="Photo identity, shown at the office",
        actor=manager,
    )
    services.identity_verify(
        request=restarted,
        method="Passport seen in person by the manager",
        identity_received_on=today - datetime.timedelta(days=4),
        actor=manager,
    )
    preparing = prepared(15)  # preparing, with the clock stopped for a clarification
    services.pause_start(
        request=preparing,
        reason="Which years of the learning journal the parent wants",
        started_on=today - datetime.timedelta(days=3),
        actor=manager,
    )
    meeting(prepared(20), held=False)  # ready: meeting arranged, not yet held
    meeting(prepared(24), held=True)  # meeting held: the copy can be released
    released = meeting(prepared(27), held=True)
    services.pack_release(request=released, released_to=str(released.requester), actor=manager)
    blocked = meeting(prepared(25), held=True)  # held, but blocked by a controversy flag
    services.flag_raise(
        request=blocked,
        kind="court_case",
        note="Contact proceedings between the parents are listed for next month.",
        actor=manager,
    )
    closed = meeting(prepared(60), held=True)
    services.request_close(request=closed, actor=manager)
    services.request_withdraw(
        request=new(9), reason="The parent only wanted the learning journal.", actor=manager
    )
    overdue = new(45, "in_person")  # overdue: received long ago, never progressed
    services.request_refuse(
        request=new(8),
        reason="A repeat of a request answered last month, with nothing new held.",
        actor=manager,
    )
    del overdue
