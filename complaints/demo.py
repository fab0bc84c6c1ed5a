"""Demo complaints for ``seed_demo`` (policy P10): one in every state of the procedure, one
overdue on the EYFS 28-day clock, one the parent took further to Ofsted, one a practitioner
logged after a parent spoke to them, one about an access request and one about a decision on a
correction request.

Written through the services with the people who would do each step, back-dated by the dates
passed to them, so each complaint has its history and its access-log rows like a real one.
"""

import datetime

from django.utils import timezone

from access_requests.models import (
    AccessRequest,
    RectificationOutcome,
    RectificationRequest,
    RectificationState,
    State,
)
from children.models import ChildPerson, Relationship
from complaints import services
from complaints.models import Complaint
from setting_records import access
from setting_records.demo import DemoStaff
from setting_records.models import User


def _parents(staff: DemoStaff) -> list[ChildPerson]:
    """Parents at the first setting who hold parental responsibility and are under no
    restriction, one per child, in a fixed order."""
    found: dict[int, ChildPerson] = {}
    for connection in (
        ChildPerson.objects.filter(
            child__setting=staff.first_setting,
            child__left_on__isnull=True,
            has_parental_responsibility=True,
            restriction="",
        )
        .exclude(relationship=Relationship.LOCAL_AUTHORITY)
        .select_related("person", "child")
        .order_by("child_id", "pk")
    ):
        found.setdefault(connection.child_id, connection)
    return list(found.values())


def _handle(
    complaint: Complaint,
    manager: User,
    *,
    acknowledged: int,
    investigated: int | None = None,
    notes: tuple[str, ...] = (),
) -> Complaint:
    """Acknowledge ``acknowledged`` days ago and, if given, start the investigation
    ``investigated`` days ago, with its notes."""
    today = timezone.localdate()
    complaint = services.complaint_acknowledge(
        complaint=complaint,
        actor=manager,
        acknowledged_on=today - datetime.timedelta(days=acknowledged),
        acknowledged_how=complaint.received_how,
    )
    if investigated is None:
        return complaint
    complaint = services.complaint_investigate(
        complaint=complaint,
        actor=manager,
        started_on=today - datetime.timedelta(days=investigated),
    )
    for text in notes:
        services.complaint_note_add(complaint=complaint, actor=manager, text=text)
    return complaint


def seed(*, staff: DemoStaff) -> None:
    manager = staff.manager
    setting = staff.first_setting
    today = timezone.localdate()

    def ago(days: int) -> datetime.date:
        return today - datetime.timedelta(days=days)

    parents = _parents(staff)
    if len(parents) < 4:
        return

    # Received two days ago, by email: still to be acknowledged.
    parent = parents[0]
    services.complaint_log(
        setting=setting,
        actor=manager,
        complainant=parent.person,
        child=parent.child,
        received_on=ago(2),
        received_how="email",
        about="care",
        summary=(
            f"{parent.child.first_name} came home on Tuesday with wet clothes in a bag and "
            "nobody mentioned it at pick-up. I would like to know what happened and to be told "
            "at the door next time."
        ),
    )

    # About an access request: the parent who has waited longest for theirs.
    waiting = (
        AccessRequest.objects.filter(child__setting=setting, state=State.RECEIVED)
        .select_related("requester", "child")
        .order_by("received_on", "pk")
        .first()
    )
    if waiting is not None:
        about_request = services.complaint_log(
            setting=setting,
            actor=manager,
            complainant=waiting.requester,
            access_request=waiting,
            received_on=ago(6),
            received_how="letter",
            about="access_request",
            summary=(
                "I asked to see my child's records weeks ago and have heard nothing since. I "
                "would like to know when I can see them and why it is taking so long."
            ),
        )
        _handle(about_request, manager, acknowledged=4)

    # About a decision on a correction request, made the day the parent was told it (the demo's
    # decisions are all today's): they disagree that the entry was kept.
    kept = (
        RectificationRequest.objects.filter(
            child__setting=setting,
            outcome=RectificationOutcome.KEPT,
            state=RectificationState.CLOSED,
        )
        .select_related("requester")
        .order_by("pk")
        .first()
    )
    if kept is not None:
        about_decision = services.complaint_log(
            setting=setting,
            actor=manager,
            complainant=kept.requester,
            rectification=kept,
            received_on=today,
            received_how="email",
            about="rectification",
            summary=(
                "I still think the entry saying my child seemed withdrawn is unfair. My "
                "statement has been added, but I would like someone other than the key person "
                "to look at it again."
            ),
        )
        _handle(
            about_decision,
            manager,
            acknowledged=0,
            investigated=0,
            notes=(
                "Read the entry, the key person's other observations from that week and the "
                "parent's statement. Asked the deputy, who was in the room that day, for her "
                "account.",
            ),
        )

    # Overdue: received five weeks ago, still being looked into, the outcome not yet told.
    parent = parents[1]
    overdue = services.complaint_log(
        setting=setting,
        actor=manager,
        complainant=parent.person,
        child=parent.child,
        received_on=ago(35),
        received_how="letter",
        about="care",
        summary=(
            f"{parent.child.first_name} has not been outside to play on three days this month "
            "when it was dry. Outdoor play matters to us and we were told it happens every day."
        ),
    )
    _handle(
        overdue,
        manager,
        acknowledged=33,
        investigated=30,
        notes=(
            "The room's daily diaries show indoor play only on the three days named; two of "
            "them were days the room was short of staff.",
            "Waiting for the agency practitioner's account of one of the days: asked again "
            "today. The parent has been rung to say the reply will be late, and why.",
        ),
    )

    # Told the outcome, then taken further to Ofsted by the parent.
    parent = parents[2]
    to_ofsted = services.complaint_log(
        setting=setting,
        actor=manager,
        complainant=parent.person,
        child=parent.child,
        received_on=ago(26),
        received_how="letter",
        about="care",
        summary=(
            f"{parent.child.first_name} had a bump on the head at nursery and I was only told "
            "at home time, four hours later. I would have come straight away."
        ),
    )
    to_ofsted = _handle(
        to_ofsted,
        manager,
        acknowledged=24,
        investigated=23,
        notes=(
            "The accident form was filled in straight away and first aid given. The room "
            "leader decided a call was not needed, as the bump was small and the child happy.",
        ),
    )
    services.complaint_notify_outcome(
        complaint=to_ofsted,
        actor=manager,
        findings=(
            "First aid was given and the accident recorded correctly, but the setting's own "
            "policy says parents are rung after any bump to the head. That did not happen."
        ),
        outcome="partly_upheld",
        actions_taken=(
            "Every room leader has gone through the head-injury part of the accident policy "
            "again, and the accident form now has a box for the time the parent was rung."
        ),
        notified_on=ago(12),
        notified_how="letter",
    )
    services.complaint_taken_further(
        complaint=to_ofsted,
        actor=manager,
        taken_further_to="ofsted",
        taken_further_on=ago(5),
        taken_further_outcome=(
            "Ofsted asked for the setting's record of the complaint and the accident form; "
            "both were sent. No decision yet."
        ),
    )

    # Closed: made in person, put on the clock by choice, upheld, and put right.
    parent = parents[3]
    closed = services.complaint_log(
        setting=setting,
        actor=manager,
        complainant=parent.person,
        child=parent.child,
        received_on=ago(60),
        received_how="in_person",
        on_clock=True,
        about="care",
        summary=(
            f"{parent.child.first_name} was offered a yoghurt at snack time although the dairy "
            "allergy is on the registration form. It was not eaten, but we are very worried."
        ),
    )
    closed = _handle(
        closed,
        manager,
        acknowledged=60,
        investigated=59,
        notes=(
            "The allergy was on the form but not on the room's allergy board after she moved "
            "rooms. The practitioner on snack duty was new that week.",
        ),
    )
    services.complaint_notify_outcome(
        complaint=closed,
        actor=manager,
        findings=(
            "The allergy board was not updated when the child moved rooms, so the practitioner "
            "serving snack did not know of it."
        ),
        outcome="upheld",
        actions_taken=(
            "Allergy boards are now checked by the room leader every Monday and on every room "
            "move; snack is served from named plates. We apologised to the family in person."
        ),
        notified_on=ago(48),
        notified_how="in_person",
    )
    services.complaint_close(complaint=closed, actor=manager)

    # Withdrawn: the parent rang back once the mix-up was sorted out.
    parent = parents[0]
    withdrawn = services.complaint_log(
        setting=setting,
        actor=manager,
        complainant=parent.person,
        child=parent.child,
        received_on=ago(14),
        received_how="phone",
        on_clock=True,
        about="other",
        summary=(
            "I was told my child's extra Friday session had been booked, but when I arrived "
            "there was no place."
        ),
    )
    withdrawn = _handle(withdrawn, manager, acknowledged=13)
    services.complaint_withdraw(
        complaint=withdrawn,
        actor=manager,
        reason=(
            "The parent rang to say the room leader had explained the booking mix-up and found "
            "a Friday place from next week; she is happy to leave it there."
        ),
    )

    # Logged by the practitioner a grandparent spoke to at the gate: made in person, not put
    # on the clock, about a member of staff.
    cared_for = access.visible_children(staff.practitioner).filter(setting=setting).first()
    services.complaint_log(
        setting=setting,
        actor=staff.practitioner,
        complainant_name="Margaret Hughes (grandmother)",
        complainant_contact="Collects on Wednesdays; the family's number is on the register.",
        child=cared_for,
        received_on=ago(1),
        received_how="in_person",
        about="staff_conduct",
        staff_concerned=staff.outsider,
        summary=(
            "She felt a member of staff spoke sharply to the children in the garden at home "
            "time, and would like the manager to know."
        ),
    )
