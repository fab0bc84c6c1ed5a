"""The inspector-ready record of complaints, anonymised.

The EYFS statutory framework (section 3, "Complaints") has the setting keep a written record of
complaints and their outcomes and make it available to Ofsted on request. This module turns the
complaints of one setting received in a period into plain rows an inspector can read, with
people replaced by labels: children become "Child A", "Child B"..., members of staff "Staff
member A"..., complainants "Complainant A"..., and anyone else the setting holds who is named in
the free text (a parent in a register who did not complain) "Person A"..., each person keeping
one label throughout one export. Labels go in order of first appearance: the people of the rows
first, row by row, then the people met in the free text, row by row. The complainant's own
words, the findings and the investigation notes are never in it: they are full of names and
details an inspector's copy does not need (UK GDPR Art. 5(1)(c), data minimisation). The free
text that is in it (the actions taken, the outcome of a complaint taken further) has every name
the setting holds replaced, whole words, whatever the case or accents ("Strauß" is "STRAUSS",
"Zoë" is "Zoe"), with an English plural or possessive ending ("the Khans", "Amara's"), longest
first; a name several people share becomes "[name removed]". A name the setting does not hold
(a relative not in a register, an agency worker) cannot be found: the record page tells the
manager to read the free text before handing the record over.

Nothing here checks permissions: the caller passes complaints already fetched through the
access policy, for a setting the user manages.
"""

import datetime
import re
import unicodedata
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
# register, ("named", key) for a complainant known only by the name typed in (its folded key).
Who = tuple[str, object]

# The label of each kind of person; "complainant" is the kind of whoever complained in a row of
# this export, whether in a register or only named. Anyone else in a register, or a complainant
# of another period named in the free text, is a "Person".
LABEL_PREFIX = {
    "child": "Child",
    "staff": "Staff member",
    "complainant": "Complainant",
    "person": "Person",
    "named": "Person",
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


# Apostrophes typed other ways (right and left single quotation marks, the modifier letter),
# read as the plain one: "O'Neill" is the same name whichever was typed.
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})

# After a name: a possessive ("Amara's", "the Khans'", "Pat Jones'" after a name ending in
# "s"), or a plural ("the Khans", "the Joneses"), as written in the folded text (curly
# apostrophes are plain there).
ENDING = r"(?P<ending>'s|s'|es|s|(?<=s)')?"


def fold(text: str) -> str:
    """``text`` as names are compared: compatibility-decomposed (NFKD), case-folded (so "ß" is
    "ss"), without combining marks (so "ë" is "e") and with plain apostrophes. It works
    character by character: the fold of a text is the folds of its characters, one after the
    other, which ``Anonymiser.scrub`` relies on."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(char for char in decomposed if unicodedata.category(char) != "Mn").translate(
        APOSTROPHES
    )


def name_key(name: str) -> str:
    """The key a name is known by: folded, with any run of white space as one space."""
    return " ".join(fold(name).split())


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

    ``known`` maps every name the setting holds (as ``name_variants`` gives them) to whose it
    is; names are compared by ``name_key``, so case and accents do not matter. ``label`` gives
    a person their label, the next letter for their kind the first time they are asked about
    (``as_complainant`` for the complainant of a row). ``scrub`` replaces each known name in a
    text, with any plural or possessive ending, by the label of the one person it belongs to
    (labelling them then if they have no label yet), or by "[name removed]" when the name is
    shared by several people (a surname a child and a parent share). A possessive ending stays
    after the label ("Child A's gate").
    """

    def __init__(self, known: Iterable[tuple[str, Who]]) -> None:
        self._owners: dict[str, set[Who]] = {}
        for name, who in known:
            key = name_key(name)
            if key:
                self._owners.setdefault(key, set()).add(who)
        self._labels: dict[Who, str] = {}
        self._counts: dict[str, int] = {}
        self._pattern: re.Pattern[str] | None = None

    def label(self, who: Who, *, as_complainant: bool = False) -> str:
        """``who``'s label; the first call decides it, later ones give it back unchanged."""
        if who not in self._labels:
            prefix = LABEL_PREFIX["complainant" if as_complainant else who[0]]
            self._counts[prefix] = self._counts.get(prefix, 0) + 1
            self._labels[who] = f"{prefix} {label_letters(self._counts[prefix])}"
        return self._labels[who]

    def _compiled(self) -> re.Pattern[str]:
        if self._pattern is None:
            # Longest first, so "amara khan" goes as one name before "amara" or "khan" could;
            # any run of white space between the words of a name counts as one space. The
            # pattern is matched against the folded text, so its names are folded too.
            names = sorted(self._owners, key=lambda name: (-len(name), name))
            alternatives = "|".join(
                r"\s+".join(re.escape(word) for word in name.split()) for name in names
            )
            self._pattern = re.compile(rf"(?<!\w)(?P<name>{alternatives}){ENDING}(?!\w)")
        return self._pattern

    def _replacement(self, name: str) -> str:
        owners = self._owners.get(" ".join(name.split()), set())
        if len(owners) == 1:
            (who,) = owners
            return self.label(who)
        return NAME_REMOVED

    def scrub(self, text: str) -> str:
        """``text`` with every known name replaced, in one pass: a label put in is never
        scanned again."""
        if not text or not self._owners:
            return text
        # The text is folded to find the names, then each name found is replaced in the text
        # as it was typed, through the position each folded character came from.
        folds = [fold(char) for char in text]
        origins = [index for index, folded in enumerate(folds) for _ in folded]
        folded_text = "".join(folds)

        def end_in_text(folded_end: int) -> int:
            # Just after the character the match ends in, and after any accents on it.
            end = origins[folded_end - 1] + 1
            while end < len(text) and not folds[end]:
                end += 1
            return end

        pieces: list[str] = []
        done = 0
        for match in self._compiled().finditer(folded_text):
            start = origins[match.start()]
            if start < done:  # inside a character already replaced (never, with whole words)
                continue
            name_end = end_in_text(match.end("name"))
            end = end_in_text(match.end()) if match.group("ending") else name_end
            ending = ""
            if match.group("ending") == "'s":
                ending = text[name_end:end]  # as typed, with whichever apostrophe
            elif match.group("ending") in ("s'", "'"):
                ending = (
                    text[origins[match.end() - 1]] + "s"
                )  # the Khans' car -> [name removed]'s car
            pieces += [text[done:start], self._replacement(match.group("name")), ending]
            done = end
        pieces.append(text[done:])
        return "".join(pieces)


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
    # The day the 28 days run from: the day received, or, for a complaint made in person or by
    # phone put on the clock later, the day it came in writing.
    clock_from: datetime.date | None
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


def _typed_complainant(typed: str) -> Iterator[tuple[str, Who]]:
    """The names of a complainant known only by the name typed in, titles left out."""
    words = [word for word in typed.split() if name_key(word).rstrip(".") not in TITLES]
    named: Who = ("named", name_key(typed))
    for name in name_variants(*words) | {typed}:
        yield name, named


def _known_names(setting: Setting, complaints: list[Complaint]) -> Iterator[tuple[str, Who]]:
    """Every name the setting holds, once per setting whatever the number of complaints: its
    children, the people in its registers, its staff past and present, and every name typed
    in for a complainant of any of its complaints, of this period or another (four
    queries)."""
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
    # Names, not usernames: a username is often an ordinary word ("manager", "office") that
    # the free text uses as a word.
    for pk, first, last in (
        User.objects.filter(memberships__setting=setting)
        .distinct()
        .values_list("pk", "first_name", "last_name")
    ):
        for name in name_variants(first, last):
            yield name, ("staff", pk)
    # A complainant of an earlier complaint may be named in this period's actions. Not through
    # the access policy: these names are only looked for, never shown.
    typed_names = (
        Complaint.objects.filter(setting=setting)
        .exclude(complainant_name="")
        .values_list("complainant_name", flat=True)
        .distinct()
    )
    for typed in typed_names:
        yield from _typed_complainant(typed)
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
            for name in name_variants(staff.first_name, staff.last_name):
                yield name, ("staff", staff.pk)
        if complaint.complainant is not None:
            person = complaint.complainant
            for name in name_variants(person.first_name, person.last_name):
                yield name, ("person", person.pk)


def _complainant(complaint: Complaint) -> Who:
    if complaint.complainant_id is not None:
        return ("person", complaint.complainant_id)
    return ("named", name_key(complaint.complainant_name))


def build_record(
    complaints: QuerySet[Complaint],
    *,
    setting: Setting,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
) -> ComplaintsRecord:
    """The anonymised record of ``setting``'s complaints received from ``start`` to ``end``
    (both included), oldest first. ``complaints`` comes from the access policy; five queries
    in all, however many complaints there are."""
    today = today or timezone.localdate()
    found = list(in_period(complaints, setting=setting, start=start, end=end))
    anonymiser = Anonymiser(_known_names(setting, found))
    # The people of the rows are labelled first, row by row, column by column, so that a name
    # in the free text of an earlier row still finds the label of someone in a later one.
    people = [
        (
            anonymiser.label(_complainant(complaint), as_complainant=True),
            anonymiser.label(("child", complaint.child_id)) if complaint.child_id else "",
            anonymiser.label(("staff", complaint.staff_concerned_id))
            if complaint.staff_concerned_id
            else "",
        )
        for complaint in found
    ]
    # Then the free text, row by row (the actions taken, then the outcome elsewhere): someone
    # named only there gets the next label of their kind, in the order they are met.
    texts = [
        (
            anonymiser.scrub(complaint.actions_taken),
            anonymiser.scrub(complaint.taken_further_outcome),
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
            clock_from=complaint.clock_from,
            acknowledged_on=complaint.acknowledged_on,
            due_on=complaint.due_on,
            outcome_notified_on=complaint.outcome_notified_on,
            twenty_eight_days=twenty_eight_days(complaint, today),
            state=complaint.get_state_display(),
            outcome=complaint.get_outcome_display(),
            actions_taken=actions_taken,
            taken_further_to=complaint.get_taken_further_to_display(),
            taken_further_on=complaint.taken_further_on,
            taken_further_outcome=taken_further_outcome,
        )
        for complaint, (complainant, child, staff), (actions_taken, taken_further_outcome) in zip(
            found, people, texts, strict=True
        )
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
