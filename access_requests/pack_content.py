"""The plain data a record pack is made from: what ``access_requests.pack`` gathers from the
request and ``access_requests.pdf`` renders.

Plain values only (str, bool, dates, lists of these and of the classes here), so that a pack can
be fixed for the meeting as JSON and rebuilt from these type hints (``access_requests.snapshot``).
Kept apart from ``pdf.py`` so that gathering or freezing a pack does not import WeasyPrint.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

__all__ = ["PackContent", "PackDetail", "PackEntry", "PackStatement"]


@dataclass(frozen=True)
class PackStatement:
    """A parent's statement beside its entry (policy P11): who made it, when, how, and their
    words as recorded. ``replaced_on`` is the day of the later statement that replaced it (it
    is printed, marked as replaced), None while it stands. ``withheld_reason`` not None means
    the statement was withheld: only "[a statement has been withheld — reason]" is printed (an
    empty reason: the neutral line), and the other fields are empty."""

    made_by: str
    made_on: date | None
    taken_how: str
    words: str
    replaced_on: date | None = None
    withheld_reason: str | None = None


@dataclass(frozen=True)
class PackEntry:
    """One record as it appears in the pack.

    ``withheld_reason`` not None means the entry is listed in "Information withheld" with its
    date and "[withheld — reason]" only (an empty reason: "[some information has been
    withheld]", for when the reason itself may not be told): its title, author, kind, source
    and body are never printed, whatever they hold. ``body`` is printed as given: passages
    withheld from it have already been replaced by "[withheld — reason]" (``redacted`` says so).
    ``parent_statements`` stand beside it, oldest first; ``disputed`` says that the parent has
    asked for it to be corrected and the decision is pending (UK GDPR Art. 18).
    """

    title: str
    kind_label: str
    occurred_at: datetime
    author_name: str
    nature_label: str
    source_label: str
    body: str
    withheld_reason: str | None = None
    parent_statements: list[PackStatement] = field(default_factory=list)
    redacted: bool = False
    disputed: bool = False


@dataclass(frozen=True)
class PackDetail:
    """One line of "About you and your family": what is held, and its value."""

    label: str
    value: str


@dataclass(frozen=True)
class PackContent:
    """What the pack is about and for whom; ``entries`` in any order.

    Plain values only (another part of the workflow freezes a pack as JSON and rebuilds it from
    these type hints). The "Your rights" fields carry UK GDPR Art. 15(1)-(2): ``purposes``
    (15(1)(a)), ``categories`` (15(1)(b)), ``shared_with`` (15(1)(c): the recipients in the
    information-sharing log, one line each; empty reads "none recorded"), ``retention``
    (15(1)(d)), ``complaints_procedure`` (15(1)(f), with the ICO's details in the template)
    and ``third_party_sources`` (15(1)(g)).
    """

    reference: str
    child_name: str
    child_date_of_birth: date
    prepared_for: str
    prepared_by: str
    meeting_date: date | None
    setting_name: str
    watermark: str | None = None
    entries: list[PackEntry] = field(default_factory=list)
    family_details: list[PackDetail] = field(default_factory=list)
    family_notes: list[str] = field(default_factory=list)
    purposes: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    shared_with: list[str] = field(default_factory=list)
    retention: list[str] = field(default_factory=list)
    complaints_procedure: str = ""
    third_party_sources: list[str] = field(default_factory=list)
