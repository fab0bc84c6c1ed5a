"""The reads behind the home page: the manager's review dashboard and each person's own part.

Every queryset comes from the access policy (``setting_records.access``), so nothing of another
setting, and nothing of a child outside the user's care, can appear (policy P4). Each function
below costs the queries its comment names, a fixed number whatever the data:

Everyone (``own_part``):
  1. the children the user is key person of or on the care team of;
  2. their last entries (no count: it is a "last 10", not a list to work through);
  3. their need-to-know grants, and for a manager the active grants of the settings they
     manage, in one query;
  4. for a practitioner only, their entries a parent disputes (with their count).
A manager (``manager_part``), after ``access.managed_settings`` (one query, in the view):
  5. open access requests, with their meeting and what blocks them; 6. their pauses (none when
  no request is open: Django skips a prefetch with nothing to look up); 7. open correction
  requests; 8. complaints awaiting an outcome (5 to 8, and the clocks they make:
  ``setting_records.dashboard_clocks``); 9. disputed entries; 10. third-party entries not yet
  checked; 11. recent changes to sensitive entries (with who made them and whether the entry
  is still there to open); 12. recent information sharing; 13. failed logins and lockouts;
  14. children without a key person; 15. staff memberships (no children in their care,
  leavers).

So a practitioner's home costs FRAME + 5 queries and a manager's at most FRAME + 15: 15 with an
open request, 14 without (``tests/setting_records/test_dashboard.py``). A capped list fetches
at most ``COUNT_LIMIT + 1`` rows in its one query and shows the first ``CAP``: its count is
exact up to ``COUNT_LIMIT`` and "100 or more" beyond, so that the page's cost does not grow with
the years of records behind it (an exact count reads every matching row: measured, the home page
took 2.3 times as long at 200 children x 100 entries as at 20 x 20). Each capped list's filter is
served by an index that walks its rows in the order shown (``children.Record``'s partial indexes
``children_record_disputed`` and ``children_record_unchecked``, and ``(author, -created_at)``).
Open requests and complaints, of which a setting has few at a time, are all fetched: their due
dates are worked out in Python (pauses, extensions).

setting_records sits below the apps (``tests/setting_records/test_structure.py``): this module
and ``dashboard_clocks`` import their models only.
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, Model, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from children.models import CareTeamMember, Child, NeedToKnowGrant, Record, Source
from setting_records import access
from setting_records.dashboard_clocks import (
    Clock,
    awaiting_complaints,
    clocks,
    open_rectifications,
    open_requests,
)
from setting_records.dates import start_of
from setting_records.models import AccessAction, Membership, Role, Setting, User

#: How many items a capped list shows; its count says how many there are in all.
CAP = 10
#: A capped list counts its rows up to this many; beyond, it says "100 or more".
COUNT_LIMIT = 100
#: "Soon" and "recent": the next and the last seven days.
WEEK = datetime.timedelta(days=7)


@dataclass
class Section:
    """One part of the dashboard: a title, the count, the first items, a line to show when
    there are none, and the page with all of them, where there is one. ``counted_all`` is False
    when there were more than ``COUNT_LIMIT`` to count (``count`` is then ``COUNT_LIMIT``)."""

    title: str
    count: int
    items: list[Any]
    empty: str
    link: str = ""
    link_text: str = ""
    counted_all: bool = True
    show_count: bool = True

    @property
    def more(self) -> int:
        return self.count - len(self.items)

    @property
    def count_text(self) -> str:
        return str(self.count) if self.counted_all else f"{self.count} or more"

    @property
    def more_text(self) -> str:
        """ "3 more", or "more" when the rest were not all counted."""
        return f"{self.more} more" if self.counted_all else "more"


@dataclass(frozen=True)
class Counted:
    """A capped list's first rows and its count, as ``_counted`` found them."""

    rows: list[Any]
    count: int
    counted_all: bool


def _counted[M: Model](queryset: QuerySet[M]) -> Counted:
    """The first ``CAP`` rows and how many there are, up to ``COUNT_LIMIT``, in one query."""
    rows = list(queryset[: COUNT_LIMIT + 1])
    return Counted(rows[:CAP], min(len(rows), COUNT_LIMIT), len(rows) <= COUNT_LIMIT)


def _section(
    title: str, found: Counted, empty: str, link: str = "", link_text: str = ""
) -> Section:
    return Section(title, found.count, found.rows, empty, link, link_text, found.counted_all)


# The manager's part.


@dataclass
class ManagerPart:
    many_settings: bool
    clocks: list[Clock]
    overdue: int
    requests: Section
    rectifications: Section
    complaints: Section
    meetings: Section
    blocked: Section
    ready: Section
    disputed: Section
    third_party: Section
    grants_ending: Section
    grant_holders: Section
    sensitive_changes: Section
    sharing: Section
    logins: Section
    without_key_person: Section
    staff_without_children: Section
    leavers: Section

    @property
    def clock_sections(self) -> list[Section]:
        return [self.requests, self.rectifications, self.complaints]


@dataclass(frozen=True)
class Holder:
    user: User
    grants: int
    ends: datetime.date


def manager_part(
    user: User, managed: list[Setting], grants: list[NeedToKnowGrant], today: datetime.date
) -> ManagerPart:
    """What needs a manager's attention in the settings they manage (``managed``, from
    ``access.managed_settings``); ``grants``: the active grants of those settings."""
    names = {setting.pk: setting.name for setting in managed}
    many = len(managed) > 1
    since = today - WEEK
    requests = open_requests(user)
    rectifications = open_rectifications(user)
    complaints = awaiting_complaints(user, managed)
    all_clocks = clocks(
        requests=requests,
        rectifications=rectifications,
        complaints=complaints,
        names=names,
        today=today,
    )
    for item in requests:
        item.setting_name = names.get(item.setting_id, "")
    soon = [
        item
        for item in requests
        if item.meeting_at is not None
        and today <= timezone.localtime(item.meeting_at).date() <= today + WEEK
    ]
    soon.sort(key=lambda item: item.meeting_at)
    blocked = [item for item in requests if item.unanswered_flag]
    # The release service's rule, in SQL (``access_requests.models.releasable``; P9, P12):
    # the meeting held with the contents explained (or offered and declined), the pack fixed
    # for it, no flag awaiting advice, advised against or awaiting redactions by its latest
    # advice, and a requester who may receive the copy. Whether an entry changed since the
    # pack was fixed is checked on the request's page, which then asks for it again.
    ready = [item for item in requests if item.releasable]
    ending = [grant for grant in grants if grant.expires_on <= today + WEEK]
    ending.sort(key=lambda grant: (grant.expires_on, grant.pk))
    # The grants are in order of their last day, so a holder's first one ends soonest.
    held = Counter(grant.grantee_id for grant in grants)
    first: dict[int, NeedToKnowGrant] = {}
    for grant in grants:
        first.setdefault(grant.grantee_id, grant)
    holders = sorted(
        (Holder(grant.grantee, held[pk], grant.expires_on) for pk, grant in first.items()),
        key=lambda holder: (-holder.grants, str(holder.user)),
    )
    no_children, leavers = _staff_checks(user, today)

    def section(title: str, rows: list[Any], empty: str, link: str = "", text: str = "") -> Section:
        return Section(title, len(rows), rows[:CAP], empty, link, text)

    part = ManagerPart(
        many_settings=many,
        clocks=all_clocks,
        overdue=sum(clock.overdue for clock in all_clocks),
        requests=section(
            "Open access requests",
            requests,
            "No access requests are open.",
            reverse("access_requests:list"),
            "All access requests",
        ),
        rectifications=section(
            "Open correction requests",
            rectifications,
            "No correction requests are open.",
            reverse("access_requests:rectification_list"),
            "All correction requests",
        ),
        complaints=section(
            "Complaints waiting for an outcome",
            complaints,
            "No complaints are waiting for an outcome.",
            reverse("complaints:list"),
            "All complaints",
        ),
        meetings=section(
            "Meetings in the next 7 days", soon, "No meetings are arranged for the next 7 days."
        ),
        blocked=section(
            "Waiting for legal advice",
            blocked,
            "No request is held up by a controversy flag.",
        ),
        ready=section("Copies ready to release", ready, "No copy is ready to release."),
        disputed=_disputed(user),
        third_party=_third_party(user),
        grants_ending=section(
            "Need-to-know access ending in the next 7 days",
            ending,
            "No need-to-know access ends in the next 7 days.",
            reverse("children:grant_list"),
            "All need-to-know access",
        ),
        grant_holders=section(
            "Staff holding need-to-know access",
            holders,
            "Nobody holds need-to-know access.",
            reverse("children:grant_list"),
            "All need-to-know access",
        ),
        sensitive_changes=_sensitive_changes(user, since),
        sharing=_sharing(user, since),
        logins=_logins(user, since),
        without_key_person=_without_key_person(user, managed, today),
        staff_without_children=section(
            "Staff with no children in their care",
            no_children,
            "Every practitioner has children in their care.",
        ),
        leavers=section(
            "Leavers whose accounts still work",
            leavers,
            "No leaver's account is still active.",
        ),
    )
    return part


def _allowed[M: Model](candidates: QuerySet[M], allowed: QuerySet[M]) -> QuerySet[M]:
    """``candidates`` that are in the policy's ``allowed``, tested row by row (EXISTS on the
    primary key). The few candidates come first from their partial index; a join the other way
    would read every entry of the setting to find them."""
    return candidates.filter(Exists(allowed.filter(pk=OuterRef("pk"))))


def _disputed(user: User) -> Section:
    """Query 9: entries a parent disputes (a correction request is open: UK GDPR Art. 18)."""
    found = _counted(
        _allowed(
            Record.objects.filter(disputed=True),
            access.visible_records(user).filter(
                child__setting_id__in=access.managed_settings(user).values("pk")
            ),
        )
        .select_related("child")
        .order_by("-updated_at", "-pk")
    )
    return _section(
        "Entries disputed by a parent",
        found,
        "No entry is disputed by a parent.",
        reverse("access_requests:rectification_list"),
        "All correction requests",
    )


def _third_party(user: User) -> Section:
    """Query 10: third-party entries with an answer still missing (policy P6)."""
    found = _counted(
        _allowed(
            Record.objects.filter(
                Q(sharer_confidential__isnull=True) | Q(subject_confidential__isnull=True),
                source=Source.THIRD_PARTY,
            ),
            access.third_party_review(user),
        )
        .select_related("child")
        .order_by("-created_at", "-pk")
    )
    return _section(
        "Third-party entries not yet checked",
        found,
        "Every third-party entry is checked.",
        reverse("children:third_party_review"),
        "Review third-party entries",
    )


def _sensitive_changes(user: User, since: datetime.date) -> Section:
    """Query 11: the last week's versions of sensitive entries, newest first, with the name of
    who made each (subqueries on the user, since history keeps only their id). Titles only:
    a version's text is never shown here."""
    who = User.objects.filter(pk=OuterRef("history_user_id"))
    found = _counted(
        access.sensitive_changes(user)
        .filter(history_date__gte=start_of(since))
        .annotate(
            who_first=Subquery(who.values("first_name")[:1]),
            who_last=Subquery(who.values("last_name")[:1]),
            who_username=Subquery(who.values("username")[:1]),
            # A deleted entry has no history page to open (it would be a 404): no link.
            still_there=Exists(access.visible_records(user).filter(pk=OuterRef("id"))),
        )
        .only("history_id", "id", "title", "history_date", "history_type", "history_user_id")
        .order_by("-history_date", "-history_id")
    )
    for row in found.rows:
        full = f"{row.who_first or ''} {row.who_last or ''}".strip()
        row.who = full or row.who_username or "Unknown"
        row.what = {"+": "Written", "~": "Changed", "-": "Deleted"}.get(row.history_type, "")
    return _section(
        "Changes to sensitive entries in the last 7 days",
        found,
        "No sensitive entry was changed in the last 7 days.",
    )


def _sharing(user: User, since: datetime.date) -> Section:
    """Query 12: information shared (or decided not to be) in the last week (policy P5)."""
    found = _counted(
        access.visible_sharings(user)
        .filter(
            decided_on__gte=since,
            child__setting_id__in=access.managed_settings(user).values("pk"),
        )
        .select_related("child")
        .order_by("-decided_on", "-pk")
    )
    return _section(
        "Information shared in the last 7 days",
        found,
        "Nothing was shared with another agency in the last 7 days.",
    )


def _logins(user: User, since: datetime.date) -> Section:
    """Query 13: failed logins and lockouts of the managed settings' staff in the last week."""
    found = _counted(
        access.login_trouble(user)
        .filter(at__gte=start_of(since))
        .select_related("actor")
        .order_by("-id")
    )
    for row in found.rows:
        words: dict[str, str] = {
            AccessAction.LOGIN_FAILED: "Failed login",
            AccessAction.LOCKED_OUT: "Locked out",
            AccessAction.LOCKOUT_ATTEMPTS: (
                f"{row.detail.get('refused', 0)} attempts refused while locked out"
            ),
        }
        row.what = words.get(row.action, row.get_action_display())
    return _section(
        "Failed logins and lockouts in the last 7 days",
        found,
        "No failed logins or lockouts in the last 7 days.",
    )


def _on_roll(today: datetime.date, child: str = "") -> Q:
    """The child (through the relation ``child``, if given) is on roll: not left, or leaving
    after today."""
    prefix = f"{child}__" if child else ""
    return Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": today})


def _without_key_person(user: User, managed: list[Setting], today: datetime.date) -> Section:
    """Query 14: children on roll with no key person (EYFS 3.27: each child is assigned one)."""
    found = _counted(
        access.visible_children(user)
        .filter(_on_roll(today), setting__in=managed, key_person__isnull=True)
        .select_related("setting")
        .order_by("first_name", "last_name", "pk")
    )
    return _section(
        "Children without a key person",
        found,
        "Every child on roll has a key person.",
        reverse("children:list"),
        "All children",
    )


def _staff_checks(user: User, today: datetime.date) -> tuple[list[Any], list[Any]]:
    """Query 15: the memberships of the managed settings, split in Python into practitioners
    with no children in their care (key person of none on roll there, on no care team there)
    and leavers whose account still works (membership ended, account active, no other active
    membership anywhere: UK GDPR Art. 32, access ends when the need does). A setting's staff
    is tens of people, so all of them are fetched."""
    key_child = Child.objects.filter(
        _on_roll(today), key_person_id=OuterRef("user_id"), setting_id=OuterRef("setting_id")
    )
    team = CareTeamMember.objects.filter(
        user_id=OuterRef("user_id"), child__setting_id=OuterRef("setting_id")
    ).filter(_on_roll(today, "child"))
    elsewhere = Membership.objects.filter(user_id=OuterRef("user_id"), is_active=True)
    rows = list(
        access.managed_memberships(user)
        .filter(user__is_active=True)
        .filter(
            Q(is_active=True, role=Role.PRACTITIONER) | Q(is_active=False),
        )
        .annotate(
            has_key_child=Exists(key_child),
            on_team=Exists(team),
            active_elsewhere=Exists(elsewhere),
        )
        .select_related("user", "setting")
        .order_by("user__first_name", "user__last_name", "user__username", "setting__name")
    )
    no_children = [
        m
        for m in rows
        if m.is_active and not m.has_key_child and not m.on_team  # type: ignore[attr-defined]
    ]
    leavers = [m for m in rows if not m.is_active and not m.active_elsewhere]  # type: ignore[attr-defined]
    return no_children, leavers


# Each person's own part (practitioners, and managers too).


@dataclass
class OwnPart:
    key_children: list[Child]
    team_children: list[Child]
    key_more: int
    team_more: int
    recent: Section
    grants: Section
    waiting: Section | None


HOME_CARDS = 12


def own_part(
    user: User, *, grants: list[NeedToKnowGrant], is_manager: bool, today: datetime.date
) -> OwnPart:
    """What is the user's own: their children, entries, grants and what waits for them.

    ``grants``: the user's active grants (query 3, made by ``active_grants_for``)."""
    # Query 1: the children the user is key person of or cares for.
    children = list(
        access.visible_children(user)
        .select_related("room", "key_person")
        .filter(Q(key_person=user) | Q(care_team=user))
        .distinct()
        .order_by("first_name", "last_name")
    )
    key = [c for c in children if c.key_person_id == user.pk]
    team = [c for c in children if c.key_person_id != user.pk]
    # Query 2: the last entries the user wrote that they may still see.
    # A "last 10", not counted: an exact count would read every entry they ever wrote.
    recent = list(
        access.visible_records(user)
        .filter(author=user)
        .select_related("child")
        .order_by("-created_at", "-pk")[:CAP]
    )
    waiting = None
    if not is_manager:
        # Query 4: the user's entries a parent disputes. "Returned for correction" here means
        # an entry with an open correction request (policy P11): while one is open the entry
        # is marked disputed (UK GDPR Art. 18), until the parent is told the decision. A
        # manager's own disputed entries are in the manager's "disputed" section.
        found = _counted(
            access.visible_records(user)
            .filter(author=user, disputed=True)
            .select_related("child")
            .order_by("-updated_at", "-pk")
        )
        waiting = _section(
            "Waiting for you",
            found,
            "Nothing is waiting for you: no entry of yours is disputed by a parent.",
        )
    mine = sorted(grants, key=lambda grant: (grant.expires_on, grant.pk))
    return OwnPart(
        key_children=key[:HOME_CARDS],
        team_children=team[:HOME_CARDS],
        key_more=len(key) - HOME_CARDS,
        team_more=len(team) - HOME_CARDS,
        recent=Section(
            "Your recent entries",
            len(recent),
            recent,
            "You have not written any entries yet.",
            show_count=False,
        ),
        grants=Section(
            "Need-to-know access you hold",
            len(mine),
            mine[:CAP],
            "You hold no need-to-know access.",
        ),
        waiting=waiting,
    )


def active_grants_for(
    user: User, *, managed: list[Setting], today: datetime.date
) -> tuple[list[NeedToKnowGrant], list[NeedToKnowGrant]]:
    """Query 3: the user's own active grants and, for a manager, every active grant of the
    settings they manage, in one query, with child, record and holder joined; returned as
    (the user's own, the managed settings')."""
    wanted = access.active_grants(user)
    managed_ids = {setting.pk for setting in managed}
    if managed_ids:
        wanted = wanted | access.visible_grants(user).filter(
            revoked_at__isnull=True, expires_on__gte=today
        )
    rows = list(wanted.select_related("child", "record", "grantee").order_by("expires_on", "pk"))
    mine = [grant for grant in rows if grant.grantee_id == user.pk]
    managed_grants = [grant for grant in rows if grant.child.setting_id in managed_ids]
    return mine, managed_grants


__all__ = [
    "CAP",
    "Clock",
    "Holder",
    "ManagerPart",
    "OwnPart",
    "Section",
    "active_grants_for",
    "clocks",
    "manager_part",
    "own_part",
]
