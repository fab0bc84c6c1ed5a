"""The inspector-ready record of complaints, anonymised.

The EYFS statutory framework (section 3, "Complaints") has the setting keep a written record of
complaints and their outcomes and make it available to Ofsted on request. This module turns the
complaints of one setting received in a period into plain rows an inspector can read, with
people replaced by labels: children become "Child A", "Child B"..., members of staff "Staff
member A"..., complainants "Complainant A"..., each person keeping one label throughout one
export (labels in order of first appearance). The complainant's own words, the findings and the
investigation notes are never in it: they are full of names and details an inspector's copy
does not need (UK GDPR Art. 5(1)(c), data minimisation). The free text that is in it (the
actions taken, the outcome of a complaint taken further) has every name the setting knows
replaced, whole words, whatever the case, longest first.

Nothing here checks permissions: the caller passes complaints already fetched through the
access policy, for a setting the user manages.
"""

import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from children.models import Child, Person
from complaints.models import Complaint, ComplaintState
from setting_records.models import Setting, User

# What the 28-day column says (EYFS: the outcome told within 28 days of receipt).
MET = "Yes"
NOT_MET = "No"
NOT_YET = "Not yet"
OVERDUE = "Overdue"
OFF_CLOCK = "Not on the 28-day clock"
# Withdrawn before anyone was told an outcome: neither met nor missed.
WITHDRAWN = "Withdrawn before the outcome"

NAME_REMOVED = "[name removed]"

# Who a name belongs to: ("child", pk), ("staff", pk), ("person", pk) for someone in a
# register, ("named", name) for a complainant known only by the name typed in.
Who = tuple[str, object]

LABEL_PREFIX = {
    "child": "Child",
    "staff": "Staff member",
    "person": "Complainant",
    "named": "Complainant",
}

# Parts of a typed complainant's name that are not theirs alone.
TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "rev"}
# A one-letter "name" (an initial) would strike out every "a" and "I" in the text and
# identifies nobody.
SHORTEST_NAME = 2


def twenty_eight_days(complaint: Complaint, today: datetime.date) -> str:
    """Whether the outcome was told within the EYFS 28 days, in the record's words."""
    if not complaint.on_clock:
        return OFF_CLOCK
    met = complaint.met_deadline()
    if met is not None:
        return MET if met else NOT_MET
    if complaint.state == ComplaintState.WITHDRAWN:
        return WITHDRAWN
    if complaint.is_overdue(today):
        return OVERDUE
    return NOT_YET


def label_letters(number: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA: as spreadsheet columns are named."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _normal(name: str) -> str:
    return " ".join(name.split()).casefold()


def name_variants(*parts: str) -> set[str]:
    """Every way one person's name may be written: each part, each piece of a hyphenated or
    apostrophised part, and the parts together in order ("Amara Khan")."""
    found: set[str] = set()
    cleaned = [" ".join(part.split()) for part in parts if part and part.strip()]
    for part in cleaned:
        found.add(part)
        found.update(re.split(r"[\s\-'\u2019]+", part))
    if len(cleaned) > 1:
        found.add(" ".join(cleaned))
    return {name for name in found if len(name) >= SHORTEST_NAME and any(c.isalpha() for c in name)}


class Anonymiser:
    """Labels for the people of one export, and free text with their names taken out.

    ``known`` maps every name the setting knows (as ``name_variants`` gives them) to whose it
    is. ``label`` gives a person their label, the next letter for their kind the first time
    they are asked about. ``scrub`` replaces each known name in a text by the label of the one
    person it belongs to, or by "[name removed]" when that person has no label in this export
    or the name is shared by several people (a surname a child and a parent share).
    """

    def __init__(self, known: Iterable[tuple[str, Who]]) -> None:
        self._owners: dict[str, set[Who]] = {}
        for name, who in known:
            self._owners.setdefault(_normal(name), set()).add(who)
        self._labels: dict[Who, str] = {}
        self._counts: dict[str, int] = {}
        self._pattern: re.Pattern[str] | None = None

    def label(self, who: Who) -> str:
        if who not in self._labels:
            prefix = LABEL_PREFIX[who[0]]
            self._counts[prefix] = self._counts.get(prefix, 0) + 1
            self._labels[who] = f"{prefix} {label_letters(self._counts[prefix])}"
        return self._labels[who]

    def _compiled(self) -> re.Pattern[str]:
        if self._pattern is None:
            # Longest first, so "Amara Khan" goes as one name before "Amara" or "Khan" could;
            # any run of white space between the words of a name counts as one space.
            names = sorted(self._owners, key=lambda name: (-len(name), name))
            alternatives = "|".join(
                r"\s+".join(re.escape(word) for word in name.split()) for name in names
            )
            self._pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        return self._pattern

    def _replacement(self, match: re.Match[str]) -> str:
        owners = self._owners.get(_normal(match.group(0)), set())
        if len(owners) == 1:
            (who,) = owners
            if who in self._labels:
                return self._labels[who]
        return NAME_REMOVED

    def scrub(self, text: str) -> str:
        if not text or not self._owners:
            return text
        # One pass: a label put in is never scanned again.
        return self._compiled().sub(self._replacement, text)


@dataclass(frozen=True)
class RecordRow:
    """One complaint as the inspector's copy shows it: labels, not names."""

    reference: str
    received_on: datetime.date
    received_how: str
    about: str
    complainant: str
    child: str
    staff_concerned: str
    on_clock: bool
    acknowledged_on: datetime.date | None
    due_on: datetime.date | None
    outcome_notified_on: datetime.date | None
    twenty_eight_days: str
    state: str
    outcome: str
    actions_taken: str
    taken_further_to: str
    taken_further_on: datetime.date | None
    taken_further_outcome: str


@dataclass(frozen=True)
class Summary:
    complaints: int
    on_clock: int
    met: int
    not_met: int
    overdue: int


@dataclass(frozen=True)
class ComplaintsRecord:
    setting: Setting
    start: datetime.date
    end: datetime.date
    produced_at: datetime.datetime
    rows: tuple[RecordRow, ...]

    @property
    def summary(self) -> Summary:
        return summarise(row.twenty_eight_days for row in self.rows)


def summarise(results: Iterable[str]) -> Summary:
    """Counts of the 28-day column's answers."""
    counted = list(results)
    return Summary(
        complaints=len(counted),
        on_clock=sum(result != OFF_CLOCK for result in counted),
        met=counted.count(MET),
        not_met=counted.count(NOT_MET),
        overdue=counted.count(OVERDUE),
    )


def in_period(
    complaints: QuerySet[Complaint], *, setting: Setting, start: datetime.date, end: datetime.date
) -> QuerySet[Complaint]:
    """The setting's complaints received from ``start`` to ``end``, both days included, oldest
    first, with the people the record labels joined in."""
    return (
        complaints.filter(setting=setting, received_on__gte=start, received_on__lte=end)
        .select_related("child", "complainant", "staff_concerned")
        .order_by("received_on", "reference", "pk")
    )


def _known_names(setting: Setting, complaints: list[Complaint]) -> Iterator[tuple[str, Who]]:
    """Every name the setting knows, once per setting whatever the number of complaints: its
    children, the people in its registers, its staff past and present (and their usernames),
    and the names complainants gave (three queries)."""
    for pk, first, last, known_as in Child.objects.filter(setting=setting).values_list(
        "pk", "first_name", "last_name", "known_as"
    ):
        who: Who = ("child", pk)
        for name in name_variants(first, last) | name_variants(known_as, last):
            yield name, who
    people = Person.objects.filter(Q(setting=setting) | Q(connections__child__setting=setting))
    for pk, first, last in people.distinct().values_list("pk", "first_name", "last_name"):
        for name in name_variants(first, last):
            yield name, ("person", pk)
    for pk, first, last, username in (
        User.objects.filter(memberships__setting=setting)
        .distinct()
        .values_list("pk", "first_name", "last_name", "username")
    ):
        for name in name_variants(first, last) | name_variants(username):
            yield name, ("staff", pk)
    for complaint in complaints:
        # Joined already; named here too in case they were never at the setting's tables.
        if complaint.child is not None:
            child = complaint.child
            for name in name_variants(child.first_name, child.last_name) | name_variants(
                child.known_as, child.last_name
            ):
                yield name, ("child", child.pk)
        if complaint.staff_concerned is not None:
            staff = complaint.staff_concerned
            for name in name_variants(staff.first_name, staff.last_name) | name_variants(
                staff.username
            ):
                yield name, ("staff", staff.pk)
        if complaint.complainant is not None:
            person = complaint.complainant
            for name in name_variants(person.first_name, person.last_name):
                yield name, ("person", person.pk)
        elif complaint.complainant_name:
            words = [
                word
                for word in complaint.complainant_name.split()
                if word.casefold().rstrip(".") not in TITLES
            ]
            named: Who = ("named", _normal(complaint.complainant_name))
            for name in name_variants(*words) | {complaint.complainant_name}:
                yield name, named


def _complainant(complaint: Complaint) -> Who:
    if complaint.complainant_id is not None:
        return ("person", complaint.complainant_id)
    return ("named", _normal(complaint.complainant_name))


def build_record(
    complaints: QuerySet[Complaint],
    *,
    setting: Setting,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
) -> ComplaintsRecord:
    """The anonymised record of ``setting``'s complaints received from ``start`` to ``end``
    (both included), oldest first. ``complaints`` comes from the access policy; four queries
    in all, however many complaints there are."""
    today = today or timezone.localdate()
    found = list(in_period(complaints, setting=setting, start=start, end=end))
    anonymiser = Anonymiser(_known_names(setting, found))
    # Labels first, in the order people appear (row by row, column by column), so that a name
    # in the free text of an earlier row still finds the label of someone in a later one.
    labels = [
        (
            anonymiser.label(_complainant(complaint)),
            anonymiser.label(("child", complaint.child_id)) if complaint.child_id else "",
            anonymiser.label(("staff", complaint.staff_concerned_id))
            if complaint.staff_concerned_id
            else "",
        )
        for complaint in found
    ]
    rows = tuple(
        RecordRow(
            reference=complaint.reference,
            received_on=complaint.received_on,
            received_how=complaint.get_received_how_display(),
            about=complaint.get_about_display(),
            complainant=complainant,
            child=child,
            staff_concerned=staff,
            on_clock=complaint.on_clock,
            acknowledged_on=complaint.acknowledged_on,
            due_on=complaint.due_on,
            outcome_notified_on=complaint.outcome_notified_on,
            twenty_eight_days=twenty_eight_days(complaint, today),
            state=complaint.get_state_display(),
            outcome=complaint.get_outcome_display(),
            actions_taken=anonymiser.scrub(complaint.actions_taken),
            taken_further_to=complaint.get_taken_further_to_display(),
            taken_further_on=complaint.taken_further_on,
            taken_further_outcome=anonymiser.scrub(complaint.taken_further_outcome),
        )
        for complaint, (complainant, child, staff) in zip(found, labels, strict=True)
    )
    return ComplaintsRecord(
        setting=setting, start=start, end=end, produced_at=timezone.localtime(), rows=rows
    )


def period_summary(
    complaints: QuerySet[Complaint],
    *,
    setting: Setting,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
) -> Summary:
    """The counts the record would show, without loading anyone's name (one query)."""
    today = today or timezone.localdate()
    found = complaints.filter(setting=setting, received_on__gte=start, received_on__lte=end)
    return summarise(twenty_eight_days(complaint, today) for complaint in found)
