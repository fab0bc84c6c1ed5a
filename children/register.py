"""The family register's writes: correcting a person or a connection, ending a connection, and
the rules a connection must keep, however it is written (``services.connection_add`` too).

The register is what access requests are checked against (policy P7/P8): who holds parental
responsibility, and who is under a court order. UK GDPR Art. 5(1)(d) asks for it to be kept
accurate and up to date, so every entry can be corrected and ended, never deleted: an ended
connection stays in history with the reason, and counts nowhere a current one does
(``ChildPersonQuerySet.current``).
"""

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from children.models import Child, ChildPerson, Person, Relationship, RestrictionType
from setting_records import access
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import User

# What a manager may correct about a person and about a connection.
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "organisation",
    "email",
    "phone",
    "address",
    "preferred_language",
    "interpreter_needed",
)
CONNECTION_FIELDS = (
    "relationship",
    "has_parental_responsibility",
    "pr_evidence",
    "pr_evidence_note",
    "restriction_type",
    "restriction_starts_on",
    "restriction_ends_on",
    "restriction",
    "lives_with_child",
)

PR_EVIDENCE_MISSING = "Record the evidence of parental responsibility that was seen."
PR_EVIDENCE_UNTICKED = (
    "Evidence of parental responsibility was chosen: tick parental responsibility, or clear it."
)
ORDER_TYPE_MISSING = "Choose the type of court order, or clear its dates and what it says."
ORDER_NOTE_MISSING = (
    "Say what the order forbids this person (and its reference), so that staff know what to do."
)
ORDER_DATES_REVERSED = "The order cannot end before it was made."
ORDER_MADE_IN_FUTURE = "An order cannot have been made in the future."


def connection_problems(connection: ChildPerson) -> dict[str, str]:
    """What is wrong with a connection, by field: the same rules for the forms and the services.

    A court order is recorded with its type and what it forbids; its dates are optional (an
    order with no start counts from when it is entered, one with no end until it is changed),
    but they must be in order. Dates or words without a type would be an order that counts
    nowhere, so they are refused rather than silently ignored."""
    problems: dict[str, str] = {}
    if connection.has_parental_responsibility and not connection.pr_evidence:
        problems["pr_evidence"] = PR_EVIDENCE_MISSING
    if connection.pr_evidence and not connection.has_parental_responsibility:
        problems["has_parental_responsibility"] = PR_EVIDENCE_UNTICKED
    described = (
        connection.restriction.strip()
        or connection.restriction_starts_on
        or connection.restriction_ends_on
    )
    if not connection.restriction_type and described:
        problems["restriction_type"] = ORDER_TYPE_MISSING
    if connection.restriction_type and not connection.restriction.strip():
        problems["restriction"] = ORDER_NOTE_MISSING
    starts, ends = connection.restriction_starts_on, connection.restriction_ends_on
    if starts and starts > timezone.localdate():
        # A future start would be an order silently not in force until then: refused, so a
        # typing slip never leaves a person unrestricted (DPA 2018 Sch. 2 para 16).
        problems["restriction_starts_on"] = ORDER_MADE_IN_FUTURE
    if starts and ends and ends < starts:
        problems["restriction_ends_on"] = ORDER_DATES_REVERSED
    return problems


def check_connection(connection: ChildPerson) -> None:
    if problems := connection_problems(connection):
        raise WorkflowError(" ".join(problems.values()))


def _require_manager(actor: User, setting_id: int) -> None:
    if not access.manages(actor, setting_id):
        raise WorkflowError("Only the setting's manager can change a child's register.")


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise WorkflowError("Say why this is being changed: it is kept in the history.")
    return reason


#: The relationships that make a family: a child sharing one of these people, through current
#: connections, is a sibling. A social worker, a foster carer or an "other" contact connected to
#: many children links no families (UK GDPR Art. 5(1)(c) and (f): one family's people are not
#: offered on another's pages).
FAMILY_RELATIONSHIPS = (
    Relationship.MOTHER,
    Relationship.FATHER,
    Relationship.PARENT,
    Relationship.STEP_PARENT,
    Relationship.ADOPTIVE_PARENT,
    Relationship.GRANDPARENT,
    Relationship.OTHER_RELATIVE,
    Relationship.SPECIAL_GUARDIAN,
)


def _family_connections() -> "QuerySet[ChildPerson]":
    return ChildPerson.objects.current().filter(relationship__in=FAMILY_RELATIONSHIPS)


def family_people(child: Child) -> QuerySet[Person]:
    """People who may already be in the register under another child of the family: the
    child's family's people, and those connected as family to its siblings (children of the
    same family, or sharing a family member with it through current family connections).
    Those already in the child's own register are left out."""
    own_family = _family_connections().filter(child=child).values("person_id")
    siblings = Child.objects.filter(setting_id=child.setting_id).filter(
        Q(pk__in=_family_connections().filter(person_id__in=own_family).values("child_id"))
        | (Q(family_id=child.family_id) if child.family_id else Q(pk__in=[]))
    )
    related = Q(pk__in=_family_connections().filter(child__in=siblings).values("person_id"))
    if child.family_id:
        related |= Q(family_id=child.family_id)
    return (
        Person.objects.filter(setting_id=child.setting_id)
        .filter(related)
        .exclude(pk__in=ChildPerson.objects.filter(child=child).values("person_id"))
        .order_by("last_name", "first_name", "pk")
    )


def _same_name(person: Person, others: QuerySet[Person]) -> Person | None:
    def name(someone: Person) -> tuple[str, str]:
        return someone.first_name.strip().casefold(), someone.last_name.strip().casefold()

    return next((other for other in others if name(other) == name(person)), None)


def duplicate_of(child: Child, person: Person) -> str | None:
    """Why a new person would duplicate someone already registered, or None.

    Entering a sibling's parent a second time would split their register entries (and their
    parental responsibility, court orders and access requests) between two records of one
    person (UK GDPR Art. 5(1)(d): accuracy)."""
    if match := _same_name(person, family_people(child)):
        return (
            f"{match} is already registered with this child's family: choose them from "
            "“Someone already registered with the family” instead of entering them again."
        )
    in_register = Person.objects.filter(connections__child=child)
    if match := _same_name(person, in_register):
        return f"{match} is already in this child's register: correct their entry instead."
    return None


@transaction.atomic
def person_update(*, person: Person, actor: User, reason: str, **fields) -> Person:
    """Correct a person's details (UK GDPR Art. 16: rectification; Art. 5(1)(d): accuracy)."""
    _require_manager(actor, person.setting_id)
    reason = _require_reason(reason)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise WorkflowError(f"These details cannot be changed here: {', '.join(sorted(unknown))}.")
    for name in ("first_name", "last_name"):
        if name in fields and not str(fields[name]).strip():
            raise WorkflowError("Give the person's first and last name.")
    person = Person.objects.select_for_update().get(pk=person.pk)
    changed = [name for name, value in fields.items() if getattr(person, name) != value]
    if not changed:
        return person
    for name in changed:
        setattr(person, name, fields[name])
    save_as(person, actor=actor, reason=reason, update_fields=changed)
    return person


@transaction.atomic
def connection_update(
    *, connection: ChildPerson, actor: User, reason: str, **fields
) -> ChildPerson:
    """Correct a connection: relationship, parental responsibility and the evidence seen, a
    court order and its dates, whether the person lives with the child."""
    connection = (
        ChildPerson.objects.select_for_update().select_related("child").get(pk=connection.pk)
    )
    _require_manager(actor, connection.child.setting_id)
    reason = _require_reason(reason)
    unknown = set(fields) - set(CONNECTION_FIELDS)
    if unknown:
        raise WorkflowError(f"These details cannot be changed here: {', '.join(sorted(unknown))}.")
    if not connection.is_current:
        raise WorkflowError("This connection has ended: it is kept as it was.")
    changed = [name for name, value in fields.items() if getattr(connection, name) != value]
    for name in changed:
        setattr(connection, name, fields[name])
    if fields.get("restriction_type", connection.restriction_type) == RestrictionType.NONE:
        # No order: no dates or words left behind that would read as one.
        for name, empty in (
            ("restriction_starts_on", None),
            ("restriction_ends_on", None),
            ("restriction", ""),
        ):
            if name not in fields and getattr(connection, name) not in (None, ""):
                setattr(connection, name, empty)
                changed.append(name)
    check_connection(connection)
    if changed:
        save_as(connection, actor=actor, reason=reason, update_fields=changed)
    return connection


@transaction.atomic
def connection_end(
    *, connection: ChildPerson, actor: User, reason: str, ended_on: datetime.date | None = None
) -> ChildPerson:
    """End a connection (a step-parent who has moved out, a foster placement that ended). It
    is kept, with the reason, and no longer counts for parental responsibility, access requests,
    meetings or statements. A second end (a double click) changes nothing."""
    connection = (
        ChildPerson.objects.select_for_update().select_related("child").get(pk=connection.pk)
    )
    _require_manager(actor, connection.child.setting_id)
    reason = reason.strip()
    if not reason:
        raise WorkflowError("Say why the connection has ended.")
    if not connection.is_current:
        return connection
    today = timezone.localdate()
    ended_on = ended_on or today
    if ended_on > today:
        raise WorkflowError("End the connection on the day it ends, not before.")
    connection.ended_on = ended_on
    connection.end_reason = reason
    save_as(
        connection,
        actor=actor,
        reason=f"Connection ended: {reason}",
        update_fields=["ended_on", "end_reason"],
    )
    return connection


def with_register_marks(children: QuerySet[Child]) -> QuerySet[Child]:
    """Children annotated with the marks a list shows: ``court_order`` (a current connection
    under a court-order restriction in force today) and ``interpreter_needed`` (a current
    connection who needs an interpreter). Subqueries in the list's one query, so the list costs
    the same for any number of children."""
    return children.annotate(
        court_order=Exists(ChildPerson.objects.restricted().filter(child_id=OuterRef("pk"))),
        interpreter_needed=Exists(
            ChildPerson.objects.current().filter(
                child_id=OuterRef("pk"), person__interpreter_needed=True
            )
        ),
    )
