"""Demo access requests for ``seed_demo``: one in every state of the workflow.

Written through the services, so each request got where it is the way a real one would, with
its history, its access-log rows and (for the released one) a real stored PDF.
"""

import datetime
import itertools

from django.db.models import Q
from django.utils import timezone

from access_requests import services
from children.models import Child, ChildPerson, Framework, Relationship
from setting_records.demo import DemoStaff


def _parents(setting) -> list[tuple[Child, ChildPerson]]:
    """Children with a parent who may ask and attend: parental responsibility, no restriction
    (and not the local authority, whose social worker would not ask this way)."""
    found = []
    for child in Child.objects.filter(setting=setting, left_on__isnull=True).order_by("pk"):
        for connection in child.connections.select_related("person"):
            if (
                connection.has_parental_responsibility
                and not connection.is_restricted
                and connection.relationship != Relationship.LOCAL_AUTHORITY
            ):
                found.append((child, connection))
                break
    return found


def _with_confidential_third_party(
    pairs: list[tuple[Child, ChildPerson]],
) -> tuple[Child, ChildPerson]:
    """The released request is about a child with confidential third-party information, so the
    demo's copy shows what a parent receives when something is withheld."""
    for pair in pairs:
        if pair[0].records.filter(source="third_party", third_party_confidential=True).exists():
            return pair
    return pairs[-1]


def _has_unchecked_third_party(child: Child) -> bool:
    return (
        child.records.filter(source="third_party")
        .filter(Q(sharer_confidential__isnull=True) | Q(subject_confidential__isnull=True))
        .exists()
    )


def _decide_for_demo(request, manager) -> None:
    for entry in request.entries.select_related("record"):
        if not entry.needs_review:
            continue
        record = entry.record
        if record.is_third_party and record.third_party_confidential:
            services.entry_decide(
                entry=entry,
                disclosure="withhold",
                withhold_reason="third_party",
                withhold_note=(
                    f"{record.third_party_label} shared this in confidence and asked that it "
                    "is not passed on; it is not reasonable to disclose it without consent."
                ),
                actor=manager,
            )
        else:
            services.entry_decide(
                entry=entry,
                disclosure="reasonable" if record.is_third_party else "disclose",
                actor=manager,
            )
    _decide_extras_for_demo(request, manager)


# A referral or a child protection process still under way: naming it to a parent can
# prejudice the enquiry (DPA 2018 Sch. 3 para 21, child abuse data).
ENQUIRY_FRAMEWORKS = {
    Framework.REFERRAL,
    Framework.STRATEGY_DISCUSSION,
    Framework.CHILD_PROTECTION_CONFERENCE,
}


def _decide_extras_for_demo(request, manager) -> None:
    """The parents' statements and the recipients, decided as a manager would: the other
    parent's view of the day goes in (reasonable: it is about the child's day, and the parents
    share care); a referral still being looked into is withheld from "Your rights"."""
    statements = [
        services.ExtraDecision(extra_id=prepared.pk, decision="include")
        for prepared in request.prepared_statements.filter(decision="")
    ]
    recipients = []
    for prepared in request.prepared_recipients.filter(decision="").select_related("sharing"):
        if prepared.sharing.framework in ENQUIRY_FRAMEWORKS:
            recipients.append(
                services.ExtraDecision(
                    extra_id=prepared.pk,
                    decision="withhold",
                    withhold_reason="child_abuse",
                    withhold_note=(
                        "A referral to children's social care is still being looked into: "
                        "naming it now would not be in the child's best interests."
                    ),
                )
            )
        else:
            recipients.append(services.ExtraDecision(extra_id=prepared.pk, decision="include"))
    if statements or recipients:
        services.entries_review(
            request=request,
            decisions=[],
            statements=statements,
            recipients=recipients,
            actor=manager,
        )


def _redact_another_childs_name(request, manager) -> None:
    """Withhold another child's name from one entry (the record itself is left unchanged)."""
    others = Child.objects.filter(setting=request.child.setting).exclude(pk=request.child.pk)
    names = [child.first_name for child in others]
    for entry in request.entries.select_related("record").order_by("record__occurred_at"):
        if entry.withheld:
            continue
        for name in names:
            if f" {name} " in f" {entry.record.body} ":
                services.redaction_add(
                    entry=entry,
                    passage=name,
                    reason="third_party",
                    note="Another child at the nursery: their name is their family's to share.",
                    actor=manager,
                )
                return


def create_requests(*, staff: DemoStaff) -> None:
    manager = staff.manager
    today = timezone.localdate()
    now = timezone.now()
    found = _parents(staff.first_setting)
    released_pair = _with_confidential_third_party(found)
    # A child with third-party information not yet checked for confidentiality (policy P6)
    # stays in preparation: its request cannot be made ready for the meeting until it is.
    unchecked = [pair for pair in found if _has_unchecked_third_party(pair[0])]
    # The last requests (ended ones) may be a second request about an earlier child.
    pairs = itertools.cycle(
        [pair for pair in found if pair is not released_pair and pair not in unchecked]
    )

    def new(days_ago: int, channel: str = "letter", pair=None):
        child, connection = pair or next(pairs)
        return services.request_create(
            child=child,
            requester=connection.person,
            received_on=today - datetime.timedelta(days=days_ago),
            channel=channel,
            actor=manager,
        )

    def verified(days_ago: int, pair=None):
        request = new(days_ago, "email", pair)
        services.identity_verify(request=request, method="Passport seen in person", actor=manager)
        return request

    def prepared(days_ago: int, pair=None):
        request = verified(days_ago, pair)
        services.preparation_start(request=request, actor=manager)
        _decide_for_demo(request, manager)
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
    # Preparing, with the clock stopped for a clarification (and, where the demo has one, an
    # entry flagged as not yet checked for confidentiality).
    preparing = prepared(15, unchecked[0] if unchecked else None)
    services.pause_start(
        request=preparing,
        reason="Which years of the learning journal the parent wants",
        started_on=today - datetime.timedelta(days=3),
        actor=manager,
    )
    meeting(prepared(20), held=False)  # ready: meeting arranged, not yet held
    meeting(prepared(24), held=True)  # meeting held: the copy can be released
    # The released copy: a withheld third-party entry and a passage withheld from another.
    released = prepared(27, released_pair)
    _redact_another_childs_name(released, manager)
    released = meeting(released, held=True)
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
