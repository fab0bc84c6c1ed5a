"""Changes to staff accounts, memberships and passwords. Each takes effect on the next request.

These are the only way in: the admin calls them now, the managers' staff pages will call the
same ones. Each runs in one transaction, keeps the history (who and why) and appends exactly one
row to the access log naming who did what to whom, so that nobody, a superuser included, can
give themselves or anyone else access to children's records unseen (the policy's P13; UK GDPR
Art. 5(1)(f) and 32, security of processing).

Two rules hold whoever acts: nobody deactivates their own account, and a setting always keeps
an active manager (the Confidentiality policy gives the manager every decision on access).
"""

from typing import NamedTuple

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from setting_records import access, access_log
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import AccessAction, Membership, Role, Setting, User
from setting_records.passwords import send_set_password_link
from setting_records.signals import staff_left

# Fields of an account that ``user_update`` may change. The rest have their own services
# (``is_active``, ``password``) or are Django's bookkeeping (``last_login``, ``date_joined``).
EDITABLE_USER_FIELDS = frozenset(
    {"username", "first_name", "last_name", "email", "is_staff", "is_superuser"}
)


def _about(user: User, **more: object) -> dict[str, object]:
    """The log's words for whom a change was done to: references, never personal details."""
    return {"user": user.pk, "username": user.get_username(), **more}


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise WorkflowError(f"“{role}” is not a staff role.")


def _refuse_losing_the_last_manager(membership: Membership) -> None:
    """Refuse a change that would leave ``membership``'s setting with no active manager.

    The setting's row is locked first, so two changes at once (two managers demoting each
    other) are taken one after the other and the second sees the first.
    """
    Setting.objects.select_for_update().filter(pk=membership.setting_id).first()
    membership.refresh_from_db(fields=["role", "is_active"])
    membership.user.refresh_from_db(fields=["is_active"])
    if not (membership.is_active and membership.is_manager and membership.user.is_active):
        return
    others = (
        Membership.objects.filter(
            setting_id=membership.setting_id,
            role=Role.MANAGER,
            is_active=True,
            user__is_active=True,
        )
        .exclude(pk=membership.pk)
        .exists()
    )
    if not others:
        raise WorkflowError(
            f"{membership.user} is the only active manager of {membership.setting}. "
            "Make someone else a manager there first."
        )


# Memberships: who works where, in which role.


@transaction.atomic
def membership_add(*, user: User, setting: Setting, role: str, actor: User | None) -> Membership:
    """Put ``user`` on the staff of ``setting``. ``actor`` is None only for ``seed_demo``."""
    _check_role(role)
    if not user.is_active:
        raise WorkflowError(f"{user}'s account is deactivated. Reactivate it first.")
    if Membership.objects.filter(user=user, setting=setting).exists():
        raise WorkflowError(f"{user} is already on the staff of {setting}.")
    membership = Membership(user=user, setting=setting, role=role)
    save_as(membership, actor=actor, reason="Joined the staff")
    access.sync_setting_permissions(setting, user)
    access_log.append(
        action=AccessAction.MEMBERSHIP_ADDED,
        actor=actor,
        setting=setting,
        detail=_about(user, role=role),
    )
    return membership


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor: User) -> Membership:
    _check_role(role)
    # Read under the setting's lock: a leaver's place is not given a role (least privilege),
    # nor promoted back to manager behind the "give their place back" step.
    Setting.objects.select_for_update().filter(pk=membership.setting_id).first()
    membership.refresh_from_db(fields=["role", "is_active"])
    if not membership.is_active:
        raise WorkflowError(
            f"{membership.user} has left {membership.setting}; give their place back first."
        )
    old_role = membership.role
    if role == old_role:
        raise WorkflowError(f"{membership.user} is already a {membership.get_role_display()}.")
    if role != Role.MANAGER:
        _refuse_losing_the_last_manager(membership)
    membership.role = role
    save_as(membership, actor=actor, reason=f"Role changed to {role}", update_fields=["role"])
    access.sync_setting_permissions(membership.setting, membership.user)
    access_log.append(
        action=AccessAction.MEMBERSHIP_ROLE_CHANGED,
        actor=actor,
        setting=membership.setting,
        detail=_about(membership.user, old_role=old_role, role=role),
    )
    return membership


def _leave(membership: Membership, actor: User) -> None:
    """The leaving itself, shared by ``membership_end`` and ``user_deactivate``."""
    _refuse_losing_the_last_manager(membership)
    membership.is_active = False
    save_as(membership, actor=actor, reason="Left the setting", update_fields=["is_active"])
    access.sync_setting_permissions(membership.setting, membership.user)
    staff_left.send(Membership, user=membership.user, setting=membership.setting, actor=actor)


@transaction.atomic
def membership_end(*, membership: Membership, actor: User) -> Membership:
    """A member of staff leaves a setting: they lose every child there on their next request.

    Their care-team places go and any child they were key person for is left without one, for
    the manager to reassign; the history keeps both. Children sit above this app, so that part
    is theirs (``children.services.staff_member_leaves``), told through ``staff_left`` inside
    this transaction: a failure there undoes the leaving too.
    """
    if not membership.is_active:
        raise WorkflowError(f"{membership.user} has already left {membership.setting}.")
    _leave(membership, actor)
    access_log.append(
        action=AccessAction.MEMBERSHIP_ENDED,
        actor=actor,
        setting=membership.setting,
        detail=_about(membership.user, role=membership.role),
    )
    return membership


@transaction.atomic
def membership_reactivate(*, membership: Membership, actor: User) -> Membership:
    """A leaver comes back to the same setting, in the role they had; children are not returned.

    Their key-person and care-team places were given up when they left: the manager gives them
    again, so that nobody regains a child's records by being reinstated.
    """
    if membership.is_active:
        raise WorkflowError(f"{membership.user} is already on the staff of {membership.setting}.")
    if not membership.user.is_active:
        raise WorkflowError(f"{membership.user}'s account is deactivated. Reactivate it first.")
    membership.is_active = True
    save_as(membership, actor=actor, reason="Rejoined the staff", update_fields=["is_active"])
    access.sync_setting_permissions(membership.setting, membership.user)
    access_log.append(
        action=AccessAction.MEMBERSHIP_REACTIVATED,
        actor=actor,
        setting=membership.setting,
        detail=_about(membership.user, role=membership.role),
    )
    return membership


# Accounts.


class NewAccount(NamedTuple):
    user: User
    link_sent: bool


@transaction.atomic
def user_create(*, user: User, actor: User, setting: Setting | None = None) -> NewAccount:
    """Save a new account built by a form, with no password, and email its owner a link.

    The owner chooses the password through the link; nobody else ever knows it. When the
    email cannot be sent the account is still made and the log says so: send a link later.
    """
    if user.pk is not None:
        raise WorkflowError("That account exists already.")
    if not user.email:
        raise WorkflowError("A new account needs an email address, for its set-password link.")
    user.set_unusable_password()
    user.is_active = True
    save_as(user, actor=actor, reason="Account created")
    sent = send_set_password_link(user, new_account=True, sent_by=actor)
    access_log.append(
        action=AccessAction.STAFF_ACCOUNT_CREATED,
        actor=actor,
        setting=setting,
        detail=_about(user, link_sent=sent, is_superuser=user.is_superuser),
    )
    return NewAccount(user, sent)


def _editable(fields: list[str], editable: frozenset[str]) -> list[str]:
    """The fields a form changed, sorted, once all of them are ones this service may save."""
    refused = set(fields) - editable
    if refused:
        raise WorkflowError(f"These cannot be changed here: {', '.join(sorted(refused))}.")
    return sorted(set(fields))


@transaction.atomic
def user_update(*, user: User, fields: list[str], actor: User) -> User:
    """Save changes to an account's details that a form has already put on ``user``."""
    fields = _editable(fields, EDITABLE_USER_FIELDS)
    if not fields:
        return user
    # A link already sent stops working when the email changes: Django's token covers it.
    save_as(user, actor=actor, reason="Account details changed", update_fields=fields)
    access_log.append(
        action=AccessAction.STAFF_ACCOUNT_CHANGED, actor=actor, detail=_about(user, fields=fields)
    )
    return user


@transaction.atomic
def user_deactivate(*, user: User, actor: User) -> User:
    """Accounts are deactivated, never deleted, so that history keeps who did what.

    A deactivated account also leaves every setting, so its children get a new key person
    rather than keeping one who can no longer log in. Its password is made unusable, which
    ends every session it has for good (Django checks each session against the password hash),
    also after a reactivation; coming back, its owner sets a new password through a link.
    """
    if user.pk == actor.pk:
        raise WorkflowError("You cannot deactivate your own account. Ask another administrator.")
    if not user.is_active:
        raise WorkflowError(f"{user}'s account is already deactivated.")
    left = []
    for membership in user.memberships.filter(is_active=True).select_related("setting", "user"):
        _leave(membership, actor)
        left.append(membership.setting_id)
        # Each setting's own log says its member left (UK GDPR Art. 5(2): its manager reads it).
        access_log.append(
            action=AccessAction.MEMBERSHIP_ENDED,
            actor=actor,
            setting=membership.setting,
            detail=_about(user, role=membership.role),
        )
    user.is_active = False
    user.set_unusable_password()
    save_as(
        user, actor=actor, reason="Account deactivated", update_fields=["is_active", "password"]
    )
    for membership in user.memberships.select_related("setting"):
        access.sync_setting_permissions(membership.setting, user)
    access_log.append(
        action=AccessAction.STAFF_ACCOUNT_DEACTIVATED,
        actor=actor,
        detail=_about(user, left_settings=left),
    )
    return user


@transaction.atomic
def user_reactivate(*, user: User, actor: User) -> User:
    """The account can log in again once its owner sets a password through the link sent now.

    Its memberships stay ended: each is given back on its own (``membership_reactivate``).
    """
    _reactivate(user, actor)
    return user


def _reactivate(user: User, actor: User, setting: Setting | None = None) -> bool:
    """``user_reactivate``'s work; whether the set-password link went."""
    if user.is_active:
        raise WorkflowError(f"{user}'s account is already active.")
    user.is_active = True
    save_as(user, actor=actor, reason="Account reactivated", update_fields=["is_active"])
    sent = bool(user.email) and send_set_password_link(user, new_account=False, sent_by=actor)
    access_log.append(
        action=AccessAction.STAFF_ACCOUNT_REACTIVATED,
        actor=actor,
        setting=setting,
        detail=_about(user, link_sent=sent),
    )
    return sent


# Settings: who they are and how strictly they guard the login.

# Fields of a setting that ``setting_save`` may change; a change to
# ``require_two_factor_for_all`` changes how every member of staff there logs in.
EDITABLE_SETTING_FIELDS = frozenset(
    {"name", "ofsted_urn", "address", "complaints_procedure", "require_two_factor_for_all"}
)


@transaction.atomic
def setting_save(*, setting: Setting, fields: list[str] | None, actor: User) -> Setting:
    """Add a setting (``fields`` is None) or save the changes a form has put on ``setting``.

    Either way it is in history and one access-log row says who did it and which fields
    changed, so that a superuser cannot quietly switch off two-factor login for a whole setting.
    """
    if fields is None:
        save_as(setting, actor=actor, reason="Setting added")
        access_log.append(
            action=AccessAction.SETTING_ADDED, actor=actor, setting=setting, detail={}
        )
        return setting
    fields = _editable(fields, EDITABLE_SETTING_FIELDS)
    if not fields:
        return setting
    save_as(setting, actor=actor, reason="Setting changed", update_fields=fields)
    detail: dict[str, object] = {"fields": fields}
    if "require_two_factor_for_all" in fields:
        detail["require_two_factor_for_all"] = setting.require_two_factor_for_all
    access_log.append(
        action=AccessAction.SETTING_CHANGED, actor=actor, setting=setting, detail=detail
    )
    return setting


# Passwords: each person chooses their own.


@transaction.atomic
def password_link_send(*, user: User, actor: User) -> User:
    """Email ``user`` a link to choose a new password. Their current one works until they do."""
    if not user.is_active:
        raise WorkflowError(f"{user}'s account is deactivated. Reactivate it first.")
    if not user.email:
        raise WorkflowError(f"{user} has no email address to send a link to.")
    access_log.append(action=AccessAction.PASSWORD_LINK_SENT, actor=actor, detail=_about(user))
    if not send_set_password_link(user, new_account=False, sent_by=actor):
        raise WorkflowError(f"The email to {user} could not be sent. Try again later.")
    return user


@transaction.atomic
def password_change(*, user: User, new_password: str, actor: User) -> User:
    """Set ``user``'s own new password (the change-password page, or a set-password link).

    Every other session of theirs ends on its next request: Django checks each session against
    a hash of the password. The caller keeps the session it is in with
    ``update_session_auth_hash``.
    """
    if user.pk != actor.pk:
        raise WorkflowError("Nobody sets another person's password: send them a link instead.")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as error:
        raise WorkflowError(" ".join(error.messages)) from error
    user.set_password(new_password)
    save_as(user, actor=actor, reason="Password changed", update_fields=["password"])
    access_log.append(action=AccessAction.PASSWORD_CHANGED, actor=actor, detail=_about(user))
    return user


# The managers' staff pages (``staff_views``): each a few of the services above, in one
# transaction, so that a refusal half way leaves nothing changed.


def email_taken(email: str) -> User | None:
    """The account that already has ``email`` (or has it as its username), compared as Django's
    password reset compares it, case-insensitively; None when the address is free."""
    email = email.strip()
    return (
        User.objects.filter(email__iexact=email).order_by("pk").first()
        or User.objects.filter(username__iexact=email).order_by("pk").first()
    )


@transaction.atomic
def staff_invite(
    *, setting: Setting, email: str, first_name: str, last_name: str, role: str, actor: User
) -> NewAccount:
    """A manager invites a new member of staff: an account with no password, its place at
    ``setting``, and the set-password link emailed to them (``user_create``).

    The address is the username too, so the account is found by it when its owner logs in.
    """
    if not access.manages(actor, setting.pk):
        raise WorkflowError(f"Only a manager of {setting} can invite staff there.")
    _check_role(role)
    email = email.strip()
    # The setting's row first: a second click of "Invite" waits here for the first, then finds
    # the account it made (a double submission is harmless, never a 500).
    Setting.objects.select_for_update().filter(pk=setting.pk).first()
    taken = email_taken(email)
    if taken is not None:
        if Membership.objects.filter(user=taken, setting=setting, is_active=True).exists():
            raise WorkflowError(f"{taken} is already on the staff of {setting}.")
        raise WorkflowError("That email address already belongs to an account.")
    user = User(
        username=email.lower(),
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
    )
    try:
        # An invite at another setting with the same address at the same moment is not held
        # by this setting's lock: the unique username refuses it, said plainly.
        with transaction.atomic():
            created = user_create(user=user, actor=actor, setting=setting)
    except IntegrityError as error:
        raise WorkflowError(
            f"{email} is already on the staff or has an account: look for them in the staff list."
        ) from error
    membership_add(user=user, setting=setting, role=role, actor=actor)
    return created


def _lock(membership: Membership) -> None:
    """Take ``membership``'s row, then read it and its account afresh: a second click of the
    same button waits for the first and then finds the work done. The setting's row first, in
    the order ``_refuse_losing_the_last_manager`` takes them, so two changes cannot deadlock."""
    Setting.objects.select_for_update().filter(pk=membership.setting_id).first()
    Membership.objects.select_for_update().filter(pk=membership.pk).first()
    membership.refresh_from_db(fields=["role", "is_active"])
    membership.user.refresh_from_db(fields=["is_active"])


def is_only_place(membership: Membership) -> bool:
    """Whether ``membership`` is its member's last active place at any setting."""
    return not (
        Membership.objects.filter(user_id=membership.user_id, is_active=True)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def staff_member_leave(*, membership: Membership, actor: User) -> Membership:
    """A manager marks a member of staff as having left one setting.

    Their place there ends at once (``membership_end``); when it was their only place, their
    account is deactivated too (``user_deactivate``), whose unusable password ends every
    session they have. A superuser's account is the deployment's, not the setting's: only
    their place ends. Nobody marks themselves as left, and a setting keeps a manager.
    """
    if membership.user_id == actor.pk:
        raise WorkflowError("You cannot mark yourself as left. Ask another manager to do it.")
    if not access.manages(actor, membership.setting_id):
        raise WorkflowError(f"Only a manager of {membership.setting} can do this.")
    _lock(membership)
    user = membership.user
    if membership.is_active and is_only_place(membership) and not user.is_superuser:
        user_deactivate(user=user, actor=actor)
        membership.refresh_from_db(fields=["is_active"])
        return membership
    return membership_end(membership=membership, actor=actor)


class Return(NamedTuple):
    membership: Membership
    link_sent: bool | None  # None: the account was active, no link was needed


@transaction.atomic
def staff_member_return(*, membership: Membership, actor: User) -> Return:
    """A leaver comes back to ``membership``'s setting; a deactivated account is reactivated
    first (``user_reactivate``), which emails its owner a link to set a new password."""
    if not access.manages(actor, membership.setting_id):
        raise WorkflowError(f"Only a manager of {membership.setting} can do this.")
    _lock(membership)
    user = membership.user
    link_sent = None
    if not user.is_active and not membership.is_active:
        link_sent = _reactivate(user, actor, membership.setting)
    membership_reactivate(membership=membership, actor=actor)
    return Return(membership, link_sent)
