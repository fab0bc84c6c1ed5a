"""The access log in plain words: each row as a sentence, with what it is about named and linked
where the reader may open it.

A row keeps references only (ids in ``detail``, never names or text: ``access_log.append``).
``lines`` turns a page of rows into sentences for one reader. The objects the rows name are
fetched once per kind for the whole page, each through the access policy's queryset for that
kind (``visible_records``, ``visible_access_requests``...), so the cost does not grow with the
number of rows, and an object the reader may not see is named generically ("an entry you
cannot open"), never by name and never linked (policies P2, P4; UK GDPR Art. 5(1)(f)). Rows
written before a detail was kept are worded with what they have.

``WORDING`` holds one function per ``AccessAction``; a test holds it to the whole list, so a
new action cannot be added without its sentence.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from access_requests.models import RectificationState, State
from complaints.models import ComplaintState, TakenFurther
from setting_records import access
from setting_records.models import AccessAction, AccessLogEntry, Role, User


@dataclass(frozen=True)
class Part:
    """A piece of a sentence; ``url`` when it names something the reader may open."""

    text: str
    url: str = ""


@dataclass(frozen=True)
class Line:
    """One row of the log for one reader: when, who, and what they did in words."""

    entry: AccessLogEntry
    who: str
    parts: list[Part]

    @property
    def text(self) -> str:
        return "".join(part.text for part in self.parts)


def _id(value: object) -> int | None:
    """An id from a row's detail, or None for anything else (an old row, a missing key)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _ids(values: object) -> list[int]:
    if not isinstance(values, list):
        return []
    return [i for i in (_id(v) for v in values) if i is not None]


def _read_ids(detail: Mapping[str, Any]) -> list[int]:
    read = detail.get("read")
    if not isinstance(read, list):
        return []
    return [i for i in (_id(item.get("record")) for item in read if isinstance(item, dict)) if i]


# Which detail keys hold the ids of each kind of object.
USER_KEYS = ("user", "grantee")
USER_LIST_KEYS = ("added", "removed")
# Key person changes keep users under "from" and "to"; state changes keep states there.
USERS_FROM_TO = (AccessAction.KEY_PERSON_CHANGED,)
# The rows whose sentence names their setting (the others name their child or entry).
SETTING_NAMED = (
    AccessAction.MEMBERSHIP_ADDED,
    AccessAction.MEMBERSHIP_ROLE_CHANGED,
    AccessAction.MEMBERSHIP_ENDED,
    AccessAction.MEMBERSHIP_REACTIVATED,
    AccessAction.SETTING_ADDED,
    AccessAction.SETTING_CHANGED,
    AccessAction.COMPLAINTS_EXPORTED,
)


@dataclass
class Names:
    """What the rows of one page name, fetched in one query per kind, through the policy."""

    reader: User
    children: dict[int, Model] = field(default_factory=dict)
    records: dict[int, Model] = field(default_factory=dict)
    requests: dict[int, Model] = field(default_factory=dict)
    rectifications: dict[int, Model] = field(default_factory=dict)
    complaints: dict[int, Model] = field(default_factory=dict)
    sharings: dict[int, Model] = field(default_factory=dict)
    settings: dict[int, Model] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)

    @classmethod
    def of(cls, reader: User, entries: list[AccessLogEntry]) -> "Names":
        wanted: dict[str, set[int]] = {
            key: set()
            for key in (
                "children",
                "records",
                "requests",
                "rectifications",
                "complaints",
                "sharings",
                "settings",
                "users",
            )
        }
        for entry in entries:
            detail = entry.detail if isinstance(entry.detail, dict) else {}
            if entry.child_id:
                wanted["children"].add(entry.child_id)
            if entry.record_id:
                wanted["records"].add(entry.record_id)
            if entry.setting_id and entry.action in SETTING_NAMED:
                wanted["settings"].add(entry.setting_id)
            wanted["records"].update(_read_ids(detail), _ids(detail.get("entries")))
            for key, kind in (
                ("request", "requests"),
                ("rectification", "rectifications"),
                ("complaint", "complaints"),
                ("sharing", "sharings"),
            ):
                if (found := _id(detail.get(key))) is not None:
                    wanted[kind].add(found)
            wanted["sharings"].update(_ids(detail.get("sharings")))
            for key in USER_KEYS:
                if (found := _id(detail.get(key))) is not None:
                    wanted["users"].add(found)
            for key in USER_LIST_KEYS:
                wanted["users"].update(_ids(detail.get(key)))
            if entry.action in USERS_FROM_TO:
                wanted["users"].update(
                    i for i in (_id(detail.get("from")), _id(detail.get("to"))) if i is not None
                )
        names = cls(reader)
        sources: dict[str, Callable[[], QuerySet[Any]]] = {
            "children": lambda: access.visible_children(reader),
            "records": lambda: access.visible_records(reader),
            "requests": lambda: access.visible_access_requests(reader),
            "rectifications": lambda: access.visible_rectifications(reader),
            "complaints": lambda: access.visible_complaints(reader),
            "sharings": lambda: access.visible_sharings(reader),
            "settings": lambda: access.managed_settings(reader),
            # Staff of the settings the reader manages, current or past, and the reader.
            "users": lambda: User.objects.filter(
                Q(pk__in=access.managed_memberships(reader).values("user_id")) | Q(pk=reader.pk)
            ),
        }
        for kind, ids in wanted.items():
            # A kind no row on the page names costs no query.
            if ids:
                setattr(names, kind, sources[kind]().order_by().in_bulk(sorted(ids)))
        return names


# How something is named when the reader may not see it, or the row does not say which.
HIDDEN = {
    "children": "a child you cannot see",
    "records": "an entry you cannot open",
    "requests": "an access request you cannot open",
    "rectifications": "a correction request you cannot open",
    "complaints": "a complaint you cannot open",
    "sharings": "a record of sharing you cannot open",
    "settings": "a setting you do not manage",
    "users": "a member of staff you do not manage",
}
UNSAID = {
    "children": "a child",
    "records": "an entry",
    "requests": "an access request",
    "rectifications": "a correction request",
    "complaints": "a complaint",
    "sharings": "a record of sharing",
    "settings": "a setting",
    "users": "a member of staff",
}


def _named(names: Names, kind: str, pk: object, say: Callable[[Any], str]) -> Part:
    pk = _id(pk)
    if pk is None:
        return Part(UNSAID[kind])
    obj = getattr(names, kind).get(pk)
    if obj is None:
        return Part(HIDDEN[kind])
    url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    return Part(say(obj), url)


def child(names: Names, pk: object) -> Part:
    return _named(names, "children", pk, lambda c: c.display_name)


def record(names: Names, pk: object) -> Part:
    return _named(names, "records", pk, lambda r: f"“{r.title}”")


def request(names: Names, pk: object) -> Part:
    return _named(names, "requests", pk, lambda r: f"access request {r.reference}")


def rectification(names: Names, pk: object) -> Part:
    return _named(names, "rectifications", pk, lambda r: f"correction request {r.pk}")


def complaint(names: Names, pk: object) -> Part:
    return _named(names, "complaints", pk, lambda c: f"complaint {c.reference}")


def sharing(names: Names, pk: object) -> Part:
    return _named(
        names, "sharings", pk, lambda s: f"the record of sharing with {s.recipient_organisation}"
    )


def setting(names: Names, pk: object) -> Part:
    return _named(names, "settings", pk, lambda s: s.name)


def user(names: Names, pk: object) -> Part:
    return _named(names, "users", pk, str)


def uk_date(value: object) -> str:
    """An ISO date (or date and time) from a row's detail, the UK way; "" when it is not one."""
    if not isinstance(value, str):
        return ""
    try:
        moment = parse_datetime(value)
        if moment is not None and "T" in value:
            return timezone.localtime(moment).strftime("%d/%m/%Y at %H:%M")
        day = parse_date(value)
    except ValueError:
        return ""
    return day.strftime("%d/%m/%Y") if isinstance(day, datetime.date) else ""


def label(choices: Any, value: object) -> str:
    """A state's or role's label, in quotes; the stored value itself if it is no longer one."""
    if value in choices.values:
        return f"“{choices(value).label}”"
    return f"“{value}”"


def _and(parts: list[Part]) -> list[Part]:
    """``parts`` joined as English: a, b and c."""
    out: list[Part] = []
    for index, part in enumerate(parts):
        if index:
            out.append(Part(" and " if index == len(parts) - 1 else ", "))
        out.append(part)
    return out


# One function per action: (names, entry, detail) -> the sentence's parts.
Words = Callable[[Names, AccessLogEntry, Mapping[str, Any]], list[Part]]


def _plain(text: str) -> Words:
    return lambda names, entry, detail: [Part(text)]


def _about_child(text: str) -> Words:
    return lambda names, entry, detail: [Part(text), child(names, entry.child_id)]


def _read(names: Names, entry: AccessLogEntry, detail: Mapping[str, Any]) -> list[Part]:
    """The entries read: the one the row names, or how many of the child's."""
    if entry.record_id:
        return [Part("the sensitive entry "), record(names, entry.record_id)]
    read = _read_ids(detail)
    if len(read) == 1:
        return [Part("the sensitive entry "), record(names, read[0])]
    count = f"{len(read)} sensitive entries" if read else "sensitive entries"
    return [Part(f"{count} of "), child(names, entry.child_id)]


def _record_viewed(names, entry, detail):
    return [Part("Viewed "), *_read(names, entry, detail)]


def _record_history_viewed(names, entry, detail):
    return [Part("Viewed the history of the sensitive entry "), record(names, entry.record_id)]


def _access_log_viewed(names, entry, detail):
    page = detail.get("page")
    suffix = f" (page {page})" if isinstance(page, str) and page.isdigit() and page != "1" else ""
    return [Part("Viewed the access log of "), child(names, entry.child_id), Part(suffix)]


def _entries_reviewed(names, entry, detail):
    return [
        Part("Read "),
        *_read(names, entry, detail),
        Part(" preparing "),
        request(names, detail.get("request")),
    ]


def _grant_target(names, entry) -> list[Part]:
    if entry.record_id:
        return [Part("the entry "), record(names, entry.record_id)]
    return [Part("the sensitive entries of "), child(names, entry.child_id)]


def _grant_given(names, entry, detail):
    until = uk_date(detail.get("expires_on"))
    return [
        Part("Gave "),
        user(names, detail.get("grantee")),
        Part(" need-to-know access to "),
        *_grant_target(names, entry),
        Part(f" until {until}" if until else ""),
    ]


def _grant_revoked(names, entry, detail):
    return [
        Part("Withdrew the need-to-know access of "),
        user(names, detail.get("grantee")),
        Part(" to "),
        *_grant_target(names, entry),
    ]


def _key_person_changed(names, entry, detail):
    def who(pk: object) -> Part:
        return Part("nobody") if pk is None else user(names, pk)

    return [
        Part("Changed the key person of "),
        child(names, entry.child_id),
        Part(" from "),
        who(detail.get("from")),
        Part(" to "),
        who(detail.get("to")),
    ]


def _care_team_changed(names, entry, detail):
    parts = [Part("Changed the care team of "), child(names, entry.child_id)]
    added = [user(names, pk) for pk in _ids(detail.get("added"))]
    removed = [user(names, pk) for pk in _ids(detail.get("removed"))]
    if added:
        parts += [Part(": added "), *_and(added)]
    if removed:
        parts += [Part("; removed " if added else ": removed "), *_and(removed)]
    return parts


def _moved(choices: Any, what: Callable[[Names, object], Part], key: str, first: str) -> Words:
    """A workflow's step: "Moved X from “A” to “B”", or "<first> X as “A”" when it began."""

    def words(names, entry, detail):
        about = what(names, detail.get(key))
        before, after = detail.get("from"), detail.get("to")
        if before is None:
            return [Part(f"{first} "), about, Part(f" as {label(choices, after)}")]
        return [
            Part("Moved "),
            about,
            Part(f" from {label(choices, before)} to {label(choices, after)}"),
        ]

    return words


def _rectification_moved(names, entry, detail):
    words = _moved(RectificationState, rectification, "rectification", "Received")
    return [*words(names, entry, detail), Part(" about "), record(names, entry.record_id)]


def _pack(text: str) -> Words:
    return lambda names, entry, detail: [Part(text), request(names, detail.get("request"))]


def _pack_released(names, entry, detail):
    to = detail.get("released_to")
    return [
        Part("Released the record pack for "),
        request(names, detail.get("request")),
        Part(f" to {to}" if isinstance(to, str) and to else ""),
    ]


def _to_user(before: str, after: str = "") -> Words:
    return lambda names, entry, detail: [
        Part(before),
        user(names, detail.get("user")),
        Part(after),
    ]


def _account_created(names, entry, detail):
    link = " and sent a set-password link" if detail.get("link_sent") else ""
    return [Part("Created a staff account for "), user(names, detail.get("user")), Part(link)]


def _account_changed(names, entry, detail):
    fields = detail.get("fields")
    said = ", ".join(str(f).replace("_", " ") for f in fields) if isinstance(fields, list) else ""
    return [
        Part("Changed the account details of "),
        user(names, detail.get("user")),
        Part(f" ({said})" if said else ""),
    ]


def _membership(before: str, after: str) -> Words:
    def words(names, entry, detail):
        role = detail.get("role")
        as_role = f" as {label(Role, role)}" if role and after == " at " else ""
        return [
            Part(before),
            user(names, detail.get("user")),
            Part(after),
            setting(names, entry.setting_id),
            Part(as_role),
        ]

    return words


def _role_changed(names, entry, detail):
    return [
        Part("Changed the role of "),
        user(names, detail.get("user")),
        Part(" at "),
        setting(names, entry.setting_id),
        Part(f" from {label(Role, detail.get('old_role'))} to {label(Role, detail.get('role'))}"),
    ]


def _password_changed(names, entry, detail):
    if _id(detail.get("user")) in (None, entry.actor_id):
        return [Part("Changed their own password")]
    return [Part("Set a new password for "), user(names, detail.get("user"))]


def _setting_changed(names, entry, detail):
    fields = detail.get("fields")
    said = ", ".join(str(f).replace("_", " ") for f in fields) if isinstance(fields, list) else ""
    return [
        Part("Changed the details or login rules of "),
        setting(names, entry.setting_id),
        Part(f" ({said})" if said else ""),
    ]


def _two_factor_passed(names, entry, detail):
    with_what = detail.get("with")
    how = {"app": " with the authenticator app", "backup code": " with a backup code"}
    return [Part("Passed the second step of logging in" + how.get(with_what, ""))]


def _backup_codes(names, entry, detail):
    count = _id(detail.get("codes"))
    return [Part(f"Generated {count} new backup codes" if count else "Generated new backup codes")]


def _lockout_attempts(names, entry, detail):
    refused = _id(detail.get("refused"))
    since = uk_date(detail.get("since"))
    attempts = f"{refused} login attempt{'s' if refused != 1 else ''}" if refused else "Logins"
    return [
        Part(
            f"Had {attempts} refused while locked out"
            + (f" (the lockout began {since})" if since else "")
        )
    ]


def _sharing_recorded(names, entry, detail):
    decided = "a decision not to share" if detail.get("decision") == "not_shared" else "sharing"
    return [
        Part(f"Recorded {decided} about "),
        child(names, entry.child_id),
        Part(": "),
        sharing(names, detail.get("sharing")),
    ]


def _sharing_viewed(names, entry, detail):
    if _id(detail.get("sharing")) is not None:
        return [Part("Viewed "), sharing(names, detail.get("sharing"))]
    if entry.record_id:
        return [Part("Viewed who the entry "), record(names, entry.record_id), Part(" went to")]
    return [Part("Viewed the information-sharing log of "), child(names, entry.child_id)]


def _sharing_printed(names, entry, detail):
    return [Part("Printed "), sharing(names, detail.get("sharing"))]


def _statement(names, entry, detail):
    return [Part("Recorded a parent's statement on "), record(names, entry.record_id)]


def _notice(names, entry, detail):
    return [
        Part("Recorded telling a past recipient ("),
        sharing(names, detail.get("sharing")),
        Part(") of "),
        rectification(names, detail.get("rectification")),
    ]


def _third_party(names, entry, detail):
    whose = {
        "sharer": "for the person who shared it",
        "third_party": "for the third party it concerns",
    }.get(detail.get("party"), "")
    answer = {True: ": confidential", False: ": not confidential"}.get(
        detail.get("confidential"), ""
    )
    return [
        Part("Checked whether "),
        record(names, entry.record_id),
        Part(f" is confidential {whose}{answer}" if whose else f" is confidential{answer}"),
    ]


def _complaint(before: str, after: str = "") -> Words:
    return lambda names, entry, detail: [
        Part(before),
        complaint(names, detail.get("complaint")),
        Part(after),
    ]


def _complaint_changed(names, entry, detail):
    to = detail.get("taken_further_to")
    where = f" to {TakenFurther(to).label}" if to in TakenFurther.values else ""
    return [
        Part("Recorded "),
        complaint(names, detail.get("complaint")),
        Part(f" taken further{where}"),
    ]


def _complaints_exported(names, entry, detail):
    start, end = uk_date(detail.get("start")), uk_date(detail.get("end"))
    count = _id(detail.get("complaints"))
    said = f" from {start} to {end}" if start and end else ""
    how_many = f" ({count} complaint{'s' if count != 1 else ''})" if count is not None else ""
    return [
        Part("Exported the record of complaints of "),
        setting(names, entry.setting_id),
        Part(said + how_many),
    ]


def _log_checked(names, entry, detail):
    rows = _id(detail.get("rows"))
    counted = f" ({rows} entries)" if rows is not None else ""
    if detail.get("intact") is True:
        return [Part(f"Checked the access log's seal: intact{counted}")]
    return [Part("Checked the access log's seal: it found a problem")]


WORDING: dict[str, Words] = {
    AccessAction.LOGIN: _plain("Logged in"),
    AccessAction.LOGIN_FAILED: _plain("Failed to log in (wrong password)"),
    AccessAction.LOGOUT: _plain("Logged out"),
    AccessAction.LOCKED_OUT: _plain("Was locked out after repeated failed logins"),
    AccessAction.LOCKOUT_ATTEMPTS: _lockout_attempts,
    AccessAction.RECORD_VIEWED: _record_viewed,
    AccessAction.RECORD_HISTORY_VIEWED: _record_history_viewed,
    AccessAction.CHILD_HISTORY_VIEWED: _about_child("Viewed the history of "),
    AccessAction.ACCESS_LOG_VIEWED: _access_log_viewed,
    AccessAction.ENTRIES_REVIEWED: _entries_reviewed,
    AccessAction.GRANT_GIVEN: _grant_given,
    AccessAction.GRANT_REVOKED: _grant_revoked,
    AccessAction.KEY_PERSON_CHANGED: _key_person_changed,
    AccessAction.CARE_TEAM_CHANGED: _care_team_changed,
    AccessAction.REQUEST_STATE_CHANGED: _moved(State, request, "request", "Opened"),
    AccessAction.PACK_PREVIEWED: _pack("Previewed the working copy of the record pack for "),
    AccessAction.PACK_RELEASED: _pack_released,
    AccessAction.PACK_DOWNLOADED: _pack("Downloaded the released record pack for "),
    AccessAction.STAFF_ACCOUNT_CREATED: _account_created,
    AccessAction.STAFF_ACCOUNT_CHANGED: _account_changed,
    AccessAction.STAFF_ACCOUNT_DEACTIVATED: _to_user("Deactivated the account of "),
    AccessAction.STAFF_ACCOUNT_REACTIVATED: _to_user("Reactivated the account of "),
    AccessAction.MEMBERSHIP_ADDED: _membership("Added ", " at "),
    AccessAction.MEMBERSHIP_ROLE_CHANGED: _role_changed,
    AccessAction.MEMBERSHIP_ENDED: _membership("Ended the place of ", " at "),
    AccessAction.MEMBERSHIP_REACTIVATED: _membership("Gave ", " their place back at "),
    AccessAction.PASSWORD_LINK_SENT: _to_user("Sent a set-password link to "),
    AccessAction.PASSWORD_CHANGED: _password_changed,
    AccessAction.SETTING_ADDED: lambda names, entry, detail: [
        Part("Added the setting "),
        setting(names, entry.setting_id),
    ],
    AccessAction.SETTING_CHANGED: _setting_changed,
    AccessAction.TWO_FACTOR_CONFIRMED: _plain("Set up an authenticator app"),
    AccessAction.TWO_FACTOR_PASSED: _two_factor_passed,
    AccessAction.TWO_FACTOR_FAILED: _plain("Gave a wrong two-factor code"),
    AccessAction.BACKUP_CODES_GENERATED: _backup_codes,
    AccessAction.TWO_FACTOR_RESET: _to_user("Reset the two-factor login of "),
    AccessAction.SHARING_RECORDED: _sharing_recorded,
    AccessAction.SHARING_VIEWED: _sharing_viewed,
    AccessAction.SHARING_PRINTED: _sharing_printed,
    AccessAction.STATEMENT_RECORDED: _statement,
    AccessAction.RECTIFICATION_STATE_CHANGED: _rectification_moved,
    AccessAction.RECIPIENT_NOTICE_RECORDED: _notice,
    AccessAction.THIRD_PARTY_CHECKED: _third_party,
    AccessAction.COMPLAINT_LOGGED: _complaint("Logged "),
    AccessAction.COMPLAINT_STATE_CHANGED: _moved(ComplaintState, complaint, "complaint", "Logged"),
    AccessAction.COMPLAINT_CHANGED: _complaint_changed,
    AccessAction.COMPLAINT_NOTE_ADDED: _complaint("Added an investigation note to "),
    AccessAction.COMPLAINT_INVESTIGATION_VIEWED: _complaint(
        "Viewed the investigation notes and findings of "
    ),
    AccessAction.COMPLAINTS_EXPORTED: _complaints_exported,
    AccessAction.SETTING_LOG_VIEWED: _plain("Viewed the setting-wide access log"),
    AccessAction.LOG_CHECKED: _log_checked,
}


def words(names: Names, entry: AccessLogEntry) -> list[Part]:
    """The sentence for one row; an action no longer known is shown by its stored value."""
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    wording = WORDING.get(entry.action)
    if wording is None:
        return [Part(entry.get_action_display())]
    return [part for part in wording(names, entry, detail) if part.text]


def who(entry: AccessLogEntry) -> str:
    """Who did it: the member of staff by name, or what the row says instead."""
    if entry.actor is not None:
        return str(entry.actor)
    if entry.action == AccessAction.LOG_CHECKED:
        return "The administrator's check"
    # A change made by a command or on setting up (``actor=None``); sign-in failures for names
    # that match no account have none either, but no manager is shown those.
    return "The system"


def lines(reader: User, entries: Iterable[AccessLogEntry]) -> list[Line]:
    """``entries`` (with their actors selected) as sentences for ``reader``: one query per
    kind of object they name (``Names.of``), however many rows there are."""
    rows = list(entries)
    names = Names.of(reader, rows)
    return [Line(entry=entry, who=who(entry), parts=words(names, entry)) for entry in rows]
