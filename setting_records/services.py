"""Changes to staff and memberships. Each takes effect on the user's very next request."""

from django.db import transaction

from setting_records import access
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import Membership, Role, Setting, User
from setting_records.signals import staff_left


@transaction.atomic
def membership_add(*, user: User, setting: Setting, role: str, actor: User | None) -> Membership:
    if role not in Role.values:
        raise WorkflowError(f"“{role}” is not a staff role.")
    if Membership.objects.filter(user=user, setting=setting).exists():
        raise WorkflowError(f"{user} is already on the staff of {setting}.")
    membership = Membership(user=user, setting=setting, role=role)
    save_as(membership, actor=actor, reason="Joined the staff")
    access.sync_setting_permissions(setting, user)
    return membership


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor: User) -> Membership:
    if role not in Role.values:
        raise WorkflowError(f"“{role}” is not a staff role.")
    membership.role = role
    save_as(membership, actor=actor, reason=f"Role changed to {role}", update_fields=["role"])
    access.sync_setting_permissions(membership.setting, membership.user)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, actor: User) -> Membership:
    """A member of staff leaves a setting: they lose every child there on their next request.

    Their care-team places go and any child they were key person for is left without one, for
    the manager to reassign; the history keeps both. Children sit above this app, so that part
    is theirs (``children.services.staff_member_leaves``), told through ``staff_left`` inside
    this transaction: a failure there undoes the leaving too.
    """
    membership.is_active = False
    save_as(membership, actor=actor, reason="Left the setting", update_fields=["is_active"])
    access.sync_setting_permissions(membership.setting, membership.user)
    staff_left.send(Membership, user=membership.user, setting=membership.setting, actor=actor)
    return membership


@transaction.atomic
def user_deactivate(*, user: User, actor: User) -> User:
    """Accounts are deactivated, never deleted, so that history keeps who did what.

    A deactivated account also leaves every setting, so its children get a new key person
    rather than keeping one who can no longer log in.
    """
    user.is_active = False
    save_as(user, actor=actor, reason="Account deactivated", update_fields=["is_active"])
    for membership in user.memberships.filter(is_active=True).select_related("setting"):
        membership_end(membership=membership, actor=actor)
    for membership in user.memberships.select_related("setting"):
        access.sync_setting_permissions(membership.setting, user)
    return user
