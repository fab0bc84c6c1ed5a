"""Demo access requests for ``seed_demo``: one in every state of the workflow.

Written through the services, so each request got where it is the way a real one would, with
its history, its access-log rows and (for the released one) a real stored PDF.
"""

import datetime
import itertools

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
    # The last requests (ended ones) may be a second request about an earlier child.
    pairs = itertools.cycle(_parents(staff.first_setting))

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
    waiting = new(12)  # received: the clock is stopped while proof of identity is awaited
    services.pause_start(
        request=waiting,
        reason="Proof of identity requested",
        started_on=today - datetime.timedelta(days=10),
        actor=manager,
    )
    verified(6)  # identity verified
    prepared(15)  # preparing
    meeting(prepared(20), held=False)  # ready: meeting arranged, not yet held
    meeting(prepared(24), held=True)  # meeting held: the copy can be released
    released = meeting(prepared(27), held=True)
    services.pack_release(request=released, recipient_person=released.requester, actor=manager)
    blocked = meeting(prepared(25), held=True)  # held, but blocked by a controversy flag
    services.flag_raise(
        request=blocked,
        kind="court_case",
        note="Contact proceedings between the parents are listed for next month.",
        actor=manager,
    )
    closed = meeting(prepared(60), held=True)
    services.request_close(request=closed, actor=manager)
    # Offered a meeting and declined it: the copy may go by a secure route with a letter.
    declined = prepared(21)
    services.ready_for_meeting(request=declined, actor=manager)
    services.meeting_record_declined(
        request=declined,
        offered_on=today - datetime.timedelta(days=3),
        offered_how="phone",
        declined_on=today - datetime.timedelta(days=2),
        actor=manager,
    )
    services.request_withdraw(
        request=new(9), reason="The parent only wanted the learning journal.", actor=manager
    )
    overdue = new(45, "in_person")  # overdue: received long ago, never progressed
    services.request_refuse(
        request=new(8),
        reason="A repeat of a request answered last month, with nothing new held.",
        ground="excessive",
        told_on=today - datetime.timedelta(days=6),
        told_how="letter",
        told_of_rights=True,
        actor=manager,
    )
    _refused_without_pr(staff=staff, today=today)
    del overdue


def _refused_without_pr(*, staff: DemoStaff, today: datetime.date) -> None:
    """A request from someone without parental responsibility: recorded, then refused with the
    reasons and the requester's rights (UK GDPR Art. 12(4))."""
    connection = (
        ChildPerson.objects.filter(
            child__setting=staff.first_setting,
            child__left_on__isnull=True,
            has_parental_responsibility=False,
        )
        .select_related("child", "person")
        .order_by("pk")
        .first()
    )
    if connection is None:
        return
    request = services.request_create(
        child=connection.child,
        requester=connection.person,
        received_on=today - datetime.timedelta(days=5),
        channel="email",
        actor=staff.manager,
    )
    services.request_refuse(
        request=request,
        reason=(
            f"{connection.person} does not hold parental responsibility for "
            f"{connection.child.first_name}, so the setting cannot give them the child's "
            "records. A parent with parental responsibility may ask."
        ),
        ground="no_parental_responsibility",
        told_on=today - datetime.timedelta(days=4),
        told_how="email",
        told_of_rights=True,
        actor=staff.manager,
    )
