"""Changes to children, care teams, records and grants.

Each is one transaction, names its actor (kept in history), and keeps the access policy's rows
in step so that a change of key person, care team or grant counts on the very next request.
"""

import datetime
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from children import register
from children.models import (
    CHILD_FIELDS,
    CareTeamMember,
    Child,
    ChildPerson,
    Family,
    Nature,
    NeedToKnowGrant,
    Person,
    Record,
    Sensitivity,
    Source,
)
from setting_records import access, access_log
from setting_records.errors import WorkflowError
from setting_records.history import delete_as, save_as
from setting_records.models import AccessAction, Role, Setting, User

RECORD_FIELDS = (
    "kind",
    "sensitivity",
    "nature",
    "title",
    "body",
    "occurred_at",
    "source",
    "third_party_name",
    "third_party_organisation",
    "third_party_role",
)


def _require_staff(
    setting: Setting, users: Iterable[User], roles=(Role.MANAGER, Role.PRACTITIONER)
):
    allowed = set(access.setting_staff(setting, roles).values_list("pk", flat=True))
    for user in users:
        if user.pk not in allowed:
            raise WorkflowError(f"{user} is not an active member of staff at {setting}.")


def _require_same_setting(fields: dict, setting_id: int) -> None:
    """A child's room and family must be its own setting's."""
    for name in ("room", "family"):
        related = fields.get(name)
        if related is not None and related.setting_id != setting_id:
            raise WorkflowError(f"That {name} belongs to another setting.")


def _require_open_room(fields: dict, current_room_id: int | None = None) -> None:
    """A closed room takes no child in; one already in it (who has since left) keeps it."""
    room = fields.get("room")
    if room is not None and room.closed_on is not None and room.pk != current_room_id:
        raise WorkflowError(f"The room “{room}” is closed.")


@transaction.atomic
def child_create(
    *,
    setting: Setting,
    actor: User,
    key_person: User | None = None,
    care_team: Iterable[User] = (),
    **fields,
) -> Child:
    if not access.manages(actor, setting.pk):
        raise WorkflowError("Only the setting's manager can add a child.")
    _require_same_setting(fields, setting.pk)
    _require_open_room(fields)
    child = Child(setting=setting, **fields)
    save_as(child, actor=actor, reason="Child joined the setting")
    if key_person is not None:
        key_person_assign(child=child, key_person=key_person, actor=actor)
    care_team_set(child=child, members=care_team, actor=actor)
    return child


@transaction.atomic
def family_create(*, setting: Setting, name: str, actor: User, notes: str = "") -> Family:
    if not access.manages(actor, setting.pk):
        raise WorkflowError("Only the setting's manager can add a family.")
    if not name.strip():
        raise WorkflowError("Give the family a name.")
    family = Family(setting=setting, name=name, notes=notes)
    save_as(family, actor=actor, reason="Family added")
    return family


@transaction.atomic
def connection_add(
    *, child: Child, person: Person, relationship: str, actor: User, **fields
) -> ChildPerson:
    """Enter a person in a child's register, with whether they hold parental responsibility."""
    if not access.manages(actor, child.setting_id):
        raise WorkflowError("Only the setting's manager can change a child's register.")
    if person.family is not None and person.family.setting_id != child.setting_id:
        raise WorkflowError("That family belongs to another setting.")
    connection = ChildPerson(child=child, person=person, relationship=relationship, **fields)
    register.check_connection(connection)
    # The child's row locked first: a double submission waits here for the first to finish,
    # then finds the person it entered (UK GDPR Art. 5(1)(d): one person, one record).
    Child.objects.select_for_update().filter(pk=child.pk).first()
    if person.pk is None:
        if duplicate := register.duplicate_of(child, person):
            raise WorkflowError(duplicate)
        person.setting = child.setting
    elif person.setting_id != child.setting_id:
        raise WorkflowError("That person is registered at another setting.")
    elif ChildPerson.objects.filter(child=child, person=person).exists():
        raise WorkflowError(f"{person} is already in {child}'s register.")
    try:
        with transaction.atomic():
            if person.pk is None:
                save_as(person, actor=actor, reason="Person added")
            connection.person = person
            save_as(connection, actor=actor, reason="Added to the child's register")
    except IntegrityError as error:
        # Whatever slipped past the lock (a database without row locks): refused, never a 500.
        raise WorkflowError(
            f"{person} is already in {child}'s register: it may have been sent twice. "
            "Look at the register before adding them again."
        ) from error
    return connection


@transaction.atomic
def key_person_assign(*, child: Child, key_person: User | None, actor: User) -> Child:
    if key_person is not None:
        _require_staff(child.setting, [key_person], roles=(Role.PRACTITIONER,))
    previous = child.key_person
    if previous == key_person:
        return child
    child.key_person = key_person
    save_as(child, actor=actor, reason="Key person changed", update_fields=["key_person"])
    access.sync_child_permissions(child, [previous, key_person])
    access_log.append(
        action=AccessAction.KEY_PERSON_CHANGED,
        actor=actor,
        child=child,
        detail={
            "from": previous.pk if previous else None,
            "to": key_person.pk if key_person else None,
        },
    )
    return child


@transaction.atomic
def care_team_set(*, child: Child, members: Iterable[User], actor: User) -> Child:
    wanted = {user.pk: user for user in members}
    current = {member.user_id: member for member in child.care_team_members.select_related("user")}
    added, removed = wanted.keys() - current.keys(), current.keys() - wanted.keys()
    if not (added or removed):
        return child
    # Only newcomers must be active staff: a colleague who has since left can still be removed.
    _require_staff(child.setting, [wanted[user_id] for user_id in added])
    for user_id in removed:
        delete_as(current[user_id], actor=actor, reason="Removed from the care team")
    for user_id in added:
        save_as(
            CareTeamMember(child=child, user=wanted[user_id]),
            actor=actor,
            reason="Added to the care team",
        )
    changed = [m.user for m in current.values()] + list(wanted.values())
    access.sync_child_permissions(child, changed)
    access_log.append(
        action=AccessAction.CARE_TEAM_CHANGED,
        actor=actor,
        child=child,
        detail={"added": sorted(added), "removed": sorted(removed)},
    )
    return child


LEAVER_GRANT_REASON = "The member of staff left the setting."


def staff_member_leaves(*, user: User, setting: Setting, actor: User) -> None:
    """Called inside ``membership_end``: clear the leaver from the setting's children.

    Their need-to-know grants there end too, each revoked as a manager would (history and a
    ``GRANT_REVOKED`` row): the policy already ignores a leaver's grants, but a grant still
    marked running would tell the manager otherwise, and would count again if they came back
    (UK GDPR Art. 5(1)(f) and 32: access ends when the need does).
    """
    for child in Child.objects.filter(setting=setting, key_person=user).select_related("setting"):
        key_person_assign(child=child, key_person=None, actor=actor)
    for child in Child.objects.filter(setting=setting, care_team=user).select_related("setting"):
        others = child.care_team.exclude(pk=user.pk)
        care_team_set(child=child, members=list(others), actor=actor)
    running = NeedToKnowGrant.objects.filter(
        grantee=user,
        child__setting=setting,
        revoked_at__isnull=True,
        expires_on__gte=timezone.localdate(),
    )
    for grant in running.order_by("pk"):
        _revoke(grant, actor=actor, reason=LEAVER_GRANT_REASON)


def on_staff_left(
    sender: object, *, user: User, setting: Setting, actor: User, **signal: object
) -> None:
    """Receives ``setting_records.signals.staff_left`` (connected in ``ChildrenConfig.ready``)."""
    staff_member_leaves(user=user, setting=setting, actor=actor)


RECORD_DEFAULTS = {
    "source": Source.SETTING,
    "third_party_name": "",
    "third_party_organisation": "",
    "third_party_role": "",
}


def _record_fields(given: dict) -> dict:
    unknown = given.keys() - set(RECORD_FIELDS)
    if unknown:
        raise TypeError(f"Records have no fields {sorted(unknown)}.")
    missing = [name for name in RECORD_FIELDS if name not in given and name not in RECORD_DEFAULTS]
    if missing:
        raise WorkflowError(f"An entry needs {', '.join(missing)}.")
    return RECORD_DEFAULTS | given


def _clean_record(fields: dict) -> dict:
    if fields["sensitivity"] not in Sensitivity.values:
        raise WorkflowError("Choose whether the entry is general or sensitive.")
    if fields["source"] == Source.SETTING:
        for name in ("third_party_name", "third_party_organisation", "third_party_role"):
            fields[name] = ""
    elif not (fields["third_party_name"].strip() or fields["third_party_organisation"].strip()):
        raise WorkflowError(
            "Name the third party the information came from, or their organisation."
        )
    if fields["occurred_at"] > timezone.now() + datetime.timedelta(minutes=5):
        raise WorkflowError("An entry cannot be about something that has not happened yet.")
    return fields


CONFIDENTIAL_NOT_GENERAL = (
    "Information a third party shared in confidence cannot be general (seen by the whole care "
    "team): mark the entry sensitive."
)
NOT_ALLOWED_TO_CHECK = (
    "Only the manager or the child's key person can record whether third-party information is "
    "confidential."
)

# The two parties policy P6 names: whoever shared the information, and the person it is about.
PARTIES = ("sharer", "subject")
PARTY_NAMES = {"sharer": "the person who shared it", "subject": "the person it is about"}


def combined_confidentiality(sharer: bool | None, subject: bool | None) -> bool | None:
    """The one answer the rest of the code reads: confidential if either party says so, open
    only when both have been checked and neither says so, otherwise not known yet."""
    if sharer or subject:
        return True
    if sharer is False and subject is False:
        return False
    return None


def _set_confidentiality(
    record: Record, answers: dict[str, bool | None], actor: User, *, may_check: bool
) -> list[str]:
    """Record each party's answer given (``None``: no answer given, the stored one stays) with
    who checked and when, keep the combined answer in step, and return the parties whose
    answer changed. Nothing is saved here: the caller saves, then ``_log_checks``.

    Checking is for the manager and the child's key person (policy P2/P6): they are the ones
    who see the sensitive entries such information ends up in.
    """
    changed = []
    if record.source == Source.SETTING:
        # The setting's own words have no third party: any earlier answers go with the source.
        answers = dict.fromkeys(PARTIES)
        for party in PARTIES:
            if getattr(record, f"{party}_confidential") is not None:
                setattr(record, f"{party}_confidential", None)
                setattr(record, f"{party}_checked_by", None)
                setattr(record, f"{party}_checked_at", None)
                changed.append(party)
    for party in PARTIES:
        answer = answers.get(party)
        if answer is None or answer == getattr(record, f"{party}_confidential"):
            continue
        if not may_check:
            raise WorkflowError(NOT_ALLOWED_TO_CHECK)
        setattr(record, f"{party}_confidential", answer)
        setattr(record, f"{party}_checked_by", actor)
        setattr(record, f"{party}_checked_at", timezone.now())
        changed.append(party)
    record.third_party_confidential = combined_confidentiality(
        record.sharer_confidential, record.subject_confidential
    )
    # Policy P2/P6: what was shared in confidence goes to the manager and key person only.
    if record.third_party_confidential and record.sensitivity == Sensitivity.GENERAL:
        raise WorkflowError(CONFIDENTIAL_NOT_GENERAL)
    return changed


def _log_checks(record: Record, parties: list[str], actor: User) -> None:
    for party in parties:
        access_log.append(
            action=AccessAction.THIRD_PARTY_CHECKED,
            actor=actor,
            record=record,
            detail={"party": party, "confidential": getattr(record, f"{party}_confidential")},
        )


@transaction.atomic
def record_create(
    *,
    child: Child,
    actor: User,
    sharer_confidential: bool | None = None,
    subject_confidential: bool | None = None,
    **fields,
) -> Record:
    if not access.can(actor, "add_record", child):
        raise WorkflowError("You cannot add entries to this child's records.")
    fields = _clean_record(_record_fields(fields))
    record = Record(child=child, author=actor, **fields)
    answers = {"sharer": sharer_confidential, "subject": subject_confidential}
    may_check = any(a is not None for a in answers.values()) and access.can(
        actor, "check_third_party", child
    )
    checked = _set_confidentiality(record, answers, actor, may_check=may_check)
    save_as(record, actor=actor, reason="Written")
    _log_checks(record, checked, actor)
    return record


# UK GDPR Art. 18(2): while a parent's correction request is pending the entry is restricted
# (kept, not changed or used); a correction comes only from the manager's decision on the
# request (``record_correct``), whose history names the request.
DISPUTED_NOT_EDITABLE = (
    "A parent has asked for this entry to be corrected, so it cannot be changed until the "
    "manager has decided their request and told them. If it is wrong, the manager corrects it "
    "as part of that decision."
)


@transaction.atomic
def record_update(
    *,
    record: Record,
    actor: User,
    reason: str,
    sharer_confidential: bool | None = None,
    subject_confidential: bool | None = None,
    **fields,
) -> Record:
    """Change an entry. An answer left out (``None``) keeps the one recorded: once checked,
    an answer can be changed, and the change is kept, but it cannot be made unknown again."""
    if not access.can(actor, "edit", record):
        raise WorkflowError("You cannot change this entry.")
    # Read from the database under a lock, not from the instance the form has written to.
    if Record.objects.select_for_update().filter(pk=record.pk, disputed=True).exists():
        raise WorkflowError(DISPUTED_NOT_EDITABLE)
    if not reason.strip():
        raise WorkflowError("Say why the entry is being changed.")
    fields = _clean_record(_record_fields(fields))
    for name, value in fields.items():
        setattr(record, name, value)
    answers = {"sharer": sharer_confidential, "subject": subject_confidential}
    may_check = access.can(actor, "check_third_party", record)
    checked = _set_confidentiality(record, answers, actor, may_check=may_check)
    record.updated_at = timezone.now()
    save_as(record, actor=actor, reason=reason.strip())
    _log_checks(record, checked, actor)
    return record


@transaction.atomic
def third_party_check(*, record: Record, actor: User, party: str, confidential: bool) -> Record:
    """Record one party's answer to "is this confidential?" for a third-party entry (policy
    P6), with who checked and when. A changed answer is a new version in the entry's history.

    The answers decide what an access request proposes to withhold: information given in
    confidence, by the person who shared it or about the person it concerns, is withheld unless
    disclosing it is reasonable without consent (DPA 2018 Sch. 2 para 16(2)-(3), "any duty of
    confidentiality owed to the other individual"; ICO right of access guidance).
    """
    if party not in PARTIES:
        raise WorkflowError("Choose whose answer this is: the sharer's or the person it is about.")
    if not isinstance(confidential, bool):
        raise WorkflowError("Answer yes or no.")
    if not access.can(actor, "check_third_party", record):
        raise WorkflowError(NOT_ALLOWED_TO_CHECK)
    # Lock the row so that two checks of the same entry cannot overwrite each other unseen.
    record = Record.objects.select_for_update().select_related("child").get(pk=record.pk)
    if record.source != Source.THIRD_PARTY:
        raise WorkflowError("This entry was written by the setting: there is no third party.")
    if getattr(record, f"{party}_confidential") == confidential:
        return record
    checked = _set_confidentiality(record, {party: confidential}, actor, may_check=True)
    answer = "confidential" if confidential else "not confidential"
    save_as(
        record,
        actor=actor,
        reason=f"Checked with {PARTY_NAMES[party]}: {answer}",
        update_fields=[
            f"{party}_confidential",
            f"{party}_checked_by",
            f"{party}_checked_at",
            "third_party_confidential",
        ],
    )
    _log_checks(record, checked, actor)
    return record


@transaction.atomic
def record_correct(
    *,
    record: Record,
    actor: User,
    reason: str,
    title: str | None = None,
    body: str | None = None,
    nature: str | None = None,
) -> Record:
    """Correct an entry's words, or its fact/opinion mark, keeping everything else.

    For a rectification (UK GDPR Art. 16, policy P11): history keeps the old text and the
    ``reason`` names the request. Only what is given changes; an unchanged entry is not saved.
    """
    if not access.can(actor, "edit", record):
        raise WorkflowError("You cannot change this entry.")
    if not reason.strip():
        raise WorkflowError("Say why the entry is being changed.")
    changes: dict[str, str] = {}
    if title is not None:
        if not title.strip():
            raise WorkflowError("An entry needs a title.")
        changes["title"] = title.strip()
    if body is not None:
        if not body.strip():
            raise WorkflowError("An entry needs its text.")
        changes["body"] = body.strip()
    if nature is not None:
        if nature not in Nature.values:
            raise WorkflowError("Choose whether the entry is fact or opinion.")
        changes["nature"] = nature
    changed = [name for name, value in changes.items() if getattr(record, name) != value]
    if not changed:
        return record
    for name in changed:
        setattr(record, name, changes[name])
    record.updated_at = timezone.now()
    save_as(record, actor=actor, reason=reason.strip(), update_fields=[*changed, "updated_at"])
    return record


@transaction.atomic
def grant_give(
    *,
    child: Child,
    grantee: User,
    reason: str,
    expires_on: datetime.date,
    actor: User,
    record: Record | None = None,
) -> NeedToKnowGrant:
    if not access.manages(actor, child.setting_id):
        raise WorkflowError("Only the setting's manager can give access on a need-to-know basis.")
    _require_staff(child.setting, [grantee])
    if record is not None and record.child_id != child.pk:
        raise WorkflowError("That entry belongs to another child.")
    if not reason.strip():
        raise WorkflowError("Give the reason this member of staff needs to know.")
    if expires_on < timezone.localdate():
        raise WorkflowError("The expiry date has already passed.")
    if expires_on > timezone.localdate() + datetime.timedelta(days=366):
        raise WorkflowError("A grant can last a year at most; give a new one when it runs out.")
    grant = NeedToKnowGrant(
        child=child,
        record=record,
        grantee=grantee,
        reason=reason.strip(),
        expires_on=expires_on,
        granted_by=actor,
    )
    save_as(grant, actor=actor, reason="Granted")
    access_log.append(
        action=AccessAction.GRANT_GIVEN,
        actor=actor,
        child=child,
        record=record,
        detail={"grant": grant.pk, "grantee": grantee.pk, "expires_on": expires_on.isoformat()},
    )
    return grant


@transaction.atomic
def grant_revoke(*, grant: NeedToKnowGrant, actor: User, reason: str) -> NeedToKnowGrant:
    if not access.manages(actor, grant.child.setting_id):
        raise WorkflowError("Only the setting's manager can revoke a grant.")
    return _revoke(grant, actor=actor, reason=reason)


def _revoke(grant: NeedToKnowGrant, *, actor: User, reason: str) -> NeedToKnowGrant:
    """The revocation itself: ``grant_revoke`` once the actor is checked, and a leaver's grants
    (``staff_member_leaves``, whoever ended their place). Runs in the caller's transaction."""
    # Lock the row so that two revocations cannot both record themselves.
    grant = NeedToKnowGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.revoked_at is not None:
        raise WorkflowError("This grant has already been revoked.")
    if not reason.strip():
        raise WorkflowError("Give the reason for revoking the grant.")
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor
    grant.revoke_reason = reason.strip()
    save_as(
        grant,
        actor=actor,
        reason="Revoked",
        update_fields=["revoked_at", "revoked_by", "revoke_reason"],
    )
    access_log.append(
        action=AccessAction.GRANT_REVOKED,
        actor=actor,
        child=grant.child,
        record=grant.record,
        detail={"grant": grant.pk, "grantee": grant.grantee_id},
    )
    return grant


@transaction.atomic
def child_update(*, child: Child, actor: User, **fields) -> Child:
    if not access.manages(actor, child.setting_id):
        raise WorkflowError("Only the setting's manager can change a child's details.")
    _require_same_setting(fields, child.setting_id)
    _require_open_room(fields, child.room_id)
    for name in CHILD_FIELDS:
        setattr(child, name, fields[name])
    save_as(child, actor=actor, reason="Details changed", update_fields=list(CHILD_FIELDS))
    return child
