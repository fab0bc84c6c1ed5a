"""The access policy: every decision about who may see or do what, in one place.

Rules (policy P1-P4 and P6):
- Nobody sees anything without an active account and an active membership of the setting.
- A manager sees every child and record of the settings they manage.
- A child's key person sees the child and all of its records.
- The child's care team sees the child and its ``general`` records.
- A need-to-know grant, while neither expired nor revoked, shows its holder the child and either
  all of its records or the one record it names.
- Nobody else sees the child at all: lists, counts and pages all come from the querysets here,
  and a child or record the user may not see is a 404, exactly like one that does not exist.
- Superusers get nothing extra.

Managers, key persons and care teams are kept as django-guardian object permissions with
direct foreign-key tables (see ``object_permissions.py``); the services keep those rows in step
with the domain facts through ``sync_*`` below, in the same transaction. Grants expire by the
calendar, which guardian has no notion of, so a grant row is read directly with its dates.
Every rule is a ``pk__in`` subquery, so a list costs one query however many children there are.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeGuard, cast

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Count, Exists, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

# The policy sits above the models it decides about and below every service and view that asks
# it: it imports models only, and no models module imports it at run time (children.models
# names the rights types for annotations only), so the imports run one way and need no
# function-local import (tests/setting_records/test_structure.py checks both).
from access_requests.models import (
    RESTRICTING_RECTIFICATION_STATES,
    AccessRequest,
    RectificationRequest,
)
from children.models import (
    Child,
    ChildPerson,
    InformationSharing,
    NeedToKnowGrant,
    Person,
    Record,
    Room,
    Sensitivity,
    Source,
)
from complaints.models import Complaint
from setting_records.models import (
    AccessAction,
    AccessLogEntry,
    Membership,
    Role,
    Setting,
    User,
)
from setting_records.object_permissions import (
    ChildUserObjectPermission,
    SettingUserObjectPermission,
)

# Whoever asks: a signed-in member of staff, or nobody (an anonymous request, or no user at all),
# who is shown nothing.
Viewer = User | AnonymousUser | None

MANAGE_SETTING = "manage_setting"
VIEW_CHILD = "view_child"
VIEW_SENSITIVE = "view_sensitive_records"


def _is_staff(user: Viewer) -> TypeGuard[User]:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _objects_with_perm[M: Model](user: User, codename: str, model: type[M]) -> QuerySet[M]:
    # The guardian query the policy is built on: object rows only, for this user only.
    return get_objects_for_user(
        user,
        f"{model._meta.app_label}.{codename}",
        klass=model,
        use_groups=False,
        with_superuser=False,
        accept_global_perms=False,
    )


def staff_setting_ids(user: User) -> QuerySet[Membership, Mapping[str, object]]:
    return Membership.objects.filter(user=user, is_active=True).values("setting_id")


def managed_settings(user: Viewer) -> QuerySet[Setting]:
    if not _is_staff(user):
        return Setting.objects.none()
    return _objects_with_perm(user, MANAGE_SETTING, Setting).filter(pk__in=staff_setting_ids(user))


def _managed_setting_ids(user: User) -> QuerySet[Setting, Mapping[str, object]]:
    return managed_settings(user).values("pk")


def _child_ids_with(user: User, codename: str) -> QuerySet[Child, Mapping[str, object]]:
    return _objects_with_perm(user, codename, Child).values("pk")


def active_grants(user: Viewer) -> QuerySet[NeedToKnowGrant]:
    """The user's need-to-know grants still running, at settings the user still works at: a
    grant outlives its holder's leaving only as history, never as access (UK GDPR Art. 5(1)(f),
    Art. 32; access ends when the need does)."""
    if not _is_staff(user):
        return NeedToKnowGrant.objects.none()
    return NeedToKnowGrant.objects.filter(
        grantee=user,
        revoked_at__isnull=True,
        expires_on__gte=timezone.localdate(),
        child__setting_id__in=staff_setting_ids(user),
    )


def visible_children(user: Viewer) -> QuerySet[Child]:
    if not _is_staff(user):
        return Child.objects.none()
    return Child.objects.filter(setting_id__in=staff_setting_ids(user)).filter(
        Q(setting_id__in=_managed_setting_ids(user))
        | Q(pk__in=_child_ids_with(user, VIEW_CHILD))
        | Q(pk__in=active_grants(user).values("child_id"))
    )


def visible_records(user: Viewer) -> QuerySet[Record]:
    if not _is_staff(user):
        return Record.objects.none()
    grants = active_grants(user)
    return Record.objects.filter(child__setting_id__in=staff_setting_ids(user)).filter(
        Q(child__setting_id__in=_managed_setting_ids(user))
        | Q(child_id__in=_child_ids_with(user, VIEW_SENSITIVE))
        | Q(sensitivity=Sensitivity.GENERAL, child_id__in=_child_ids_with(user, VIEW_CHILD))
        | Q(child_id__in=grants.filter(record__isnull=True).values("child_id"))
        | Q(pk__in=grants.filter(record__isnull=False).values("record_id"))
    )


def third_party_review(user: Viewer) -> QuerySet[Record]:
    """The manager's review of third-party entries (policy P6): every one in the settings the
    user manages, whoever's care the child is in; nothing for anyone else."""
    if not _is_staff(user):
        return Record.objects.none()
    return Record.objects.filter(
        source=Source.THIRD_PARTY, child__setting_id__in=_managed_setting_ids(user)
    )


def visible_people(user: Viewer) -> QuerySet[Person]:
    """People in the registers of the children the user may see."""
    return Person.objects.filter(connections__child__in=visible_children(user)).distinct()


def visible_grants(user: Viewer) -> QuerySet[NeedToKnowGrant]:
    """Grants are managed, and so seen, by the managers of the child's setting only."""
    if not _is_staff(user):
        return NeedToKnowGrant.objects.none()
    return NeedToKnowGrant.objects.filter(child__setting_id__in=_managed_setting_ids(user))


def visible_access_requests(user: Viewer) -> QuerySet[AccessRequest]:
    """Parents' access requests are the managers' alone: everyone else gets 404 on them."""
    if not _is_staff(user):
        return AccessRequest.objects.none()
    return AccessRequest.objects.filter(child__setting_id__in=_managed_setting_ids(user))


def visible_rectifications(user: Viewer) -> QuerySet[RectificationRequest]:
    """Rectification requests, like access requests, are the managers' alone (policy P11)."""
    if not _is_staff(user):
        return RectificationRequest.objects.none()
    return RectificationRequest.objects.filter(child__setting_id__in=_managed_setting_ids(user))


def pending_rectifications(user: Viewer, record: Record) -> QuerySet[RectificationRequest]:
    """The requests that make ``record`` disputed (UK GDPR Art. 18), as far as ``user`` may see
    them: the managers'; for everyone else none (the mark itself is on the record). Those not
    yet decided, and those decided whose parent is still to be told: the restriction is lifted
    only once the parent who obtained it is told (Art. 18(3))."""
    return (
        visible_rectifications(user)
        .filter(record_id=record.pk, state__in=RESTRICTING_RECTIFICATION_STATES)
        .order_by("received_on", "pk")
    )


def get_rectification(user: Viewer, pk: int | str) -> RectificationRequest:
    rectification = (
        visible_rectifications(user)
        .select_related("record", "child", "child__setting", "requester")
        .filter(pk=pk)
        .first()
    )
    if rectification is None:
        raise Http404("No such request.")
    return rectification


def visible_sharings(user: Viewer) -> QuerySet[InformationSharing]:
    """The information-sharing log (policy P5) is seen and kept by the managers of the child's
    setting and the child's current key person; for everyone else it does not exist."""
    if not _is_staff(user):
        return InformationSharing.objects.none()
    return InformationSharing.objects.filter(child__setting_id__in=staff_setting_ids(user)).filter(
        Q(child__setting_id__in=_managed_setting_ids(user))
        | Q(child_id__in=_child_ids_with(user, VIEW_SENSITIVE))
    )


def get_sharing(user: Viewer, pk: int | str) -> InformationSharing:
    sharing = (
        visible_sharings(user)
        .select_related("child", "child__setting", "decided_by", "recorded_by")
        .filter(pk=pk)
        .first()
    )
    if sharing is None:
        raise Http404("No such record of sharing.")
    return sharing


def visible_rooms(user: Viewer) -> QuerySet[Room]:
    """The rooms of every setting the user works at, open and closed. A room's name says nothing
    about any child; which children are in it comes from ``visible_children`` alone (P4)."""
    if not _is_staff(user):
        return Room.objects.none()
    return Room.objects.filter(setting_id__in=staff_setting_ids(user))


@dataclass(frozen=True)
class SettingThingRights:
    """What a member of staff may do with something of their setting that every member of
    staff there may see and only its managers may act on: a room (rename, close, reopen, move
    children), a complaint (move it on; see the investigation's notes, findings and outcome)."""

    is_manager: bool

    @property
    def view(self) -> bool:
        return True

    @property
    def manage(self) -> bool:
        return self.is_manager

    def allows(self, action: str) -> bool:
        return {"view": self.view, "manage": self.manage}[action]


RoomRights = SettingThingRights


def get_room(user: Viewer, pk: int | str, action: str = "view") -> Room:
    """The room, with ``room.rights`` set; 404 if it is not a room of a setting the user works
    at, 403 if they work there but may not act on it."""
    if not _is_staff(user):
        raise Http404("No such room.")
    room = (
        visible_rooms(user)
        .annotate(_is_manager=Exists(_managed_settings_ref(user)))
        .select_related("setting")
        .filter(pk=pk)
        .first()
    )
    if room is None:
        raise Http404("No such room.")
    room.rights = RoomRights(is_manager=room._is_manager)  # type: ignore[attr-defined]
    if not room.rights.allows(action):  # type: ignore[attr-defined]
        raise PermissionDenied
    return room


def visible_complaints(user: Viewer) -> QuerySet[Complaint]:
    """Complaints (policy P10) are the managers' of the setting; a member of staff who logged
    one sees that one (what they logged, never the investigation); for everyone else they do
    not exist."""
    if not _is_staff(user):
        return Complaint.objects.none()
    return Complaint.objects.filter(setting_id__in=staff_setting_ids(user)).filter(
        Q(setting_id__in=_managed_setting_ids(user)) | Q(logged_by=user)
    )


def complaint_settings(user: Viewer) -> QuerySet[Setting]:
    """Where ``user`` may log a complaint they received: every setting they work at."""
    if not _is_staff(user):
        return Setting.objects.none()
    return Setting.objects.filter(pk__in=staff_setting_ids(user))


ComplaintRights = SettingThingRights


def get_complaint(user: Viewer, pk: int | str, action: str = "view") -> Complaint:
    """The complaint, with ``complaint.rights`` set; 404 if the user may not see it, 403 if
    they may see it (they logged it) but not act on it."""
    if not _is_staff(user):
        raise Http404("No such complaint.")
    complaint = (
        visible_complaints(user)
        .annotate(_is_manager=Exists(_managed_settings_ref(user)))
        .select_related(
            "setting", "child", "complainant", "logged_by", "staff_concerned", "investigated_by"
        )
        .filter(pk=pk)
        .first()
    )
    if complaint is None:
        raise Http404("No such complaint.")
    complaint.rights = ComplaintRights(is_manager=complaint._is_manager)  # type: ignore[attr-defined]
    if not complaint.rights.allows(action):  # type: ignore[attr-defined]
        raise PermissionDenied
    return complaint


def _managed_settings_ref(user: User) -> QuerySet[SettingUserObjectPermission]:
    return SettingUserObjectPermission.objects.filter(
        user=user, permission__codename=MANAGE_SETTING, content_object_id=OuterRef("setting_id")
    )


def get_access_request(user: Viewer, pk: int | str) -> AccessRequest:
    request = (
        visible_access_requests(user)
        .select_related("child", "child__setting", "requester")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404("No such request.")
    return request


# What a user may do with one child, worked out in the same query that fetches it.


@dataclass(frozen=True)
class ChildRights:
    is_manager: bool
    is_key_person: bool
    on_care_team: bool
    has_grant: bool
    has_record_grant: bool

    @property
    def view(self) -> bool:
        return (
            self.is_manager
            or self.is_key_person
            or self.on_care_team
            or self.has_grant
            or self.has_record_grant
        )

    @property
    def view_all_records(self) -> bool:
        return self.is_manager or self.is_key_person or self.has_grant

    @property
    def add_record(self) -> bool:
        # A grant lets its holder read, not write into the child's records.
        return self.is_manager or self.is_key_person or self.on_care_team

    @property
    def manage(self) -> bool:
        return self.is_manager

    @property
    def share(self) -> bool:
        """See and keep the child's information-sharing log (P5): manager and key person."""
        return self.is_manager or self.is_key_person

    @property
    def record_statement(self) -> bool:
        """Record a parent's statement on an entry (P11): manager and key person."""
        return self.is_manager or self.is_key_person

    @property
    def check_third_party(self) -> bool:
        """Record whether third-party information is confidential (P6): the manager and the
        key person, who see the sensitive entries such information goes in (P2)."""
        return self.is_manager or self.is_key_person

    def allows(self, action: str) -> bool:
        return {
            "view": self.view,
            "add_record": self.add_record,
            "manage": self.manage,
            "share": self.share,
            "record_statement": self.record_statement,
            "check_third_party": self.check_third_party,
        }[action]


def _perm_row(user: User, codename: str, child_ref: str) -> Exists:
    return Exists(
        ChildUserObjectPermission.objects.filter(
            user=user, permission__codename=codename, content_object_id=OuterRef(child_ref)
        )
    )


def _rights_annotations(user: User, child_ref: str, setting_ref: str) -> dict[str, Exists]:
    """What ``user`` is to the child at ``child_ref``, as annotations for ``_rights`` to read."""
    return dict(
        _is_manager=Exists(
            SettingUserObjectPermission.objects.filter(
                user=user,
                permission__codename=MANAGE_SETTING,
                content_object_id=OuterRef(setting_ref),
            )
        ),
        _is_key_person=_perm_row(user, VIEW_SENSITIVE, child_ref),
        _on_care_team=_perm_row(user, VIEW_CHILD, child_ref),
        _has_grant=Exists(
            active_grants(user).filter(child_id=OuterRef(child_ref), record__isnull=True)
        ),
        _has_record_grant=Exists(
            active_grants(user).filter(child_id=OuterRef(child_ref), record__isnull=False)
        ),
    )


class _AnnotatedRights(Protocol):
    """A child or record fetched with ``_rights_annotations``."""

    _is_manager: bool
    _is_key_person: bool
    _on_care_team: bool
    _has_grant: bool
    _has_record_grant: bool


def _rights(obj: _AnnotatedRights) -> ChildRights:
    return ChildRights(
        is_manager=obj._is_manager,
        is_key_person=obj._is_key_person,
        on_care_team=obj._on_care_team and not obj._is_key_person,
        has_grant=obj._has_grant,
        has_record_grant=obj._has_record_grant,
    )


def get_child(user: Viewer, pk: int | str, action: str = "view") -> Child:
    """The child, with ``child.rights`` set; 404 if the user may not see it, 403 if not act."""
    if not _is_staff(user):
        raise Http404("No such child.")
    child = (
        visible_children(user)
        .annotate(**_rights_annotations(user, "pk", "setting_id"))
        .select_related("setting", "room", "key_person", "family")
        .filter(pk=pk)
        .first()
    )
    if child is None:
        raise Http404("No such child.")
    # django-stubs cannot follow names passed as annotate(**mapping); the Protocol states them.
    child.rights = _rights(cast(_AnnotatedRights, child))
    if not child.rights.allows(action):
        raise PermissionDenied
    return child


@dataclass(frozen=True)
class RecordRights:
    child: ChildRights
    is_author: bool

    @property
    def view(self) -> bool:
        return True

    @property
    def edit(self) -> bool:
        return self.is_author or self.child.is_key_person or self.child.is_manager

    @property
    def record_statement(self) -> bool:
        return self.child.record_statement

    @property
    def share(self) -> bool:
        return self.child.share

    @property
    def check_third_party(self) -> bool:
        return self.child.check_third_party

    def allows(self, action: str) -> bool:
        return {
            "view": self.view,
            "edit": self.edit,
            "record_statement": self.record_statement,
            "share": self.share,
            "check_third_party": self.check_third_party,
        }[action]


def record_rights(user: User, record: Record, child_rights: ChildRights) -> RecordRights:
    return RecordRights(child=child_rights, is_author=record.author_id == user.pk)


def get_record(user: Viewer, pk: int | str, action: str = "view") -> Record:
    """The record, with ``record.rights`` set; 404 if the user may not see it, 403 if not act."""
    if not _is_staff(user):
        raise Http404("No such record.")
    record = (
        visible_records(user)
        .annotate(**_rights_annotations(user, "child_id", "child__setting_id"))
        .select_related(
            "child", "child__setting", "author", "sharer_checked_by", "subject_checked_by"
        )
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise Http404("No such record.")
    record.rights = record_rights(user, record, _rights(cast(_AnnotatedRights, record)))
    if not record.rights.allows(action):
        raise PermissionDenied
    return record


def get_connection(user: Viewer, pk: int | str, action: str = "manage") -> ChildPerson:
    """A register entry, with its person, through its child: 404 if the user may not see the
    child, 403 if they may not ``action`` it (the register is changed by managers only)."""
    if not _is_staff(user):
        raise Http404("No such connection.")
    connection = (
        ChildPerson.objects.filter(pk=pk, child__in=visible_children(user))
        .select_related("person")
        .first()
    )
    if connection is None:
        raise Http404("No such connection.")
    connection.child = get_child(user, connection.child_id, action)
    return connection


def get_grant(user: Viewer, pk: int | str) -> NeedToKnowGrant:
    grant = visible_grants(user).select_related("child", "record", "grantee").filter(pk=pk).first()
    if grant is None:
        raise Http404("No such grant.")
    return grant


def can(user: Viewer, action: str, obj: Model) -> bool:
    """One question, one answer: may ``user`` do ``action`` to ``obj``?"""
    if not _is_staff(user):
        return False
    try:
        if isinstance(obj, Child):
            get_child(user, obj.pk, action)
        elif isinstance(obj, Record):
            get_record(user, obj.pk, action)
        elif isinstance(obj, NeedToKnowGrant):
            if action not in {"view", "revoke"}:
                raise PermissionDenied
            get_grant(user, obj.pk)
        elif isinstance(obj, InformationSharing):
            if action != "view":
                raise PermissionDenied
            get_sharing(user, obj.pk)
        elif isinstance(obj, RectificationRequest):
            if action not in {"view", "manage"}:
                raise PermissionDenied
            get_rectification(user, obj.pk)
        elif isinstance(obj, Complaint):
            get_complaint(user, obj.pk, action)
        elif isinstance(obj, Setting):
            if action != "manage":
                raise PermissionDenied
            return managed_settings(user).filter(pk=obj.pk).exists()
        else:
            raise TypeError(f"The access policy knows nothing of {type(obj).__name__}.")
    except (Http404, PermissionDenied):
        return False
    return True


def manages(user: Viewer, setting_id: int) -> bool:
    return managed_settings(user).filter(pk=setting_id).exists()


def setting_staff(
    setting: Setting, roles: Iterable[str] = (Role.MANAGER, Role.PRACTITIONER)
) -> QuerySet[User]:
    """Active staff of a setting: who may be made key person or put on a care team."""
    return User.objects.filter(
        is_active=True,
        memberships__setting=setting,
        memberships__is_active=True,
        memberships__role__in=list(roles),
    ).order_by("first_name", "last_name", "username")


def managed_staff(user: Viewer) -> QuerySet[Membership]:
    """The other members of staff at the settings ``user`` manages, for their staff pages."""
    if not _is_staff(user):
        return Membership.objects.none()
    return (
        Membership.objects.filter(setting_id__in=_managed_setting_ids(user), is_active=True)
        .exclude(user=user)
        .select_related("user", "setting")
    )


def get_staff_member(user: Viewer, user_id: int | str) -> Membership:
    """A member of staff ``user`` manages, by their user id; anyone else is a 404."""
    membership = managed_staff(user).filter(user_id=user_id).order_by("setting__name").first()
    if membership is None:
        raise Http404("No such member of staff.")
    return membership


def visible_staff(user: Viewer) -> QuerySet[Membership]:
    """Every place, current or ended, at the settings ``user`` manages, the manager's own
    included: the staff pages (``staff_views``). Nobody else sees any, another setting's
    manager included. Each row carries ``key_children``, how many children there have the
    member as key person, counted in the same query."""
    if not _is_staff(user):
        return Membership.objects.none()
    key_children = (
        Child.objects.filter(key_person=OuterRef("user_id"), setting=OuterRef("setting_id"))
        .order_by()
        .values("key_person")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Membership.objects.filter(setting_id__in=_managed_setting_ids(user))
        .annotate(key_children=Coalesce(Subquery(key_children), 0))
        .select_related("user", "setting")
    )


def get_staff_membership(user: Viewer, pk: int | str) -> Membership:
    """One place at a setting ``user`` manages, by its own id; anything else is a 404."""
    membership = visible_staff(user).filter(pk=pk).first()
    if membership is None:
        raise Http404("No such member of staff.")
    return membership


def staff_places(user: Viewer, user_id: int | str) -> list[Membership]:
    """A member of staff's places at the settings ``user`` manages (by the member's user id),
    current ones first; a 404 when there are none, however many they have elsewhere."""
    places = list(
        visible_staff(user).filter(user_id=user_id).order_by("-is_active", "setting__name")
    )
    if not places:
        raise Http404("No such member of staff.")
    return places


def get_current_staff(user: Viewer, user_id: int | str) -> User:
    """A member of staff with a current place at a setting ``user`` manages. A leaver is no
    longer theirs to send links to or to place elsewhere: a 404 like anyone else."""
    place = visible_staff(user).filter(user_id=user_id, is_active=True).first()
    if place is None:
        raise Http404("No such member of staff.")
    return place.user


def former_key_children(user: Viewer, membership: Membership) -> QuerySet[Child]:
    """Children of ``membership``'s setting left with no key person who once had its member as
    theirs (the children's history): after a leaver, the manager's list to reassign."""
    was_key_person = Child.history.filter(  # type: ignore[attr-defined]
        key_person_id=membership.user_id, setting_id=membership.setting_id
    ).values("id")
    return (
        visible_children(user)
        .filter(setting_id=membership.setting_id, key_person__isnull=True)
        .filter(pk__in=was_key_person)
        .order_by("last_name", "first_name")
    )


# Keeping guardian's rows in step with the facts. Called by services inside their transaction.


def sync_child_permissions(child: Child, users: Iterable[User | None]) -> None:
    """Make each user's rows on ``child`` match who the child's key person and care team are."""
    for user in {u for u in users if u is not None}:
        wanted = set()
        if child.key_person_id == user.pk:
            wanted |= {VIEW_CHILD, VIEW_SENSITIVE}
        if child.care_team_members.filter(user=user).exists():
            wanted.add(VIEW_CHILD)
        have = set(
            ChildUserObjectPermission.objects.filter(user=user, content_object=child).values_list(
                "permission__codename", flat=True
            )
        )
        for codename in wanted - have:
            assign_perm(f"children.{codename}", user, child)
        for codename in have - wanted:
            remove_perm(f"children.{codename}", user, child)


def sync_setting_permissions(setting: Setting, user: User) -> None:
    """A manager's row on their setting exists exactly while they are an active manager there."""
    is_manager = (
        user.is_active
        and Membership.objects.filter(
            user=user, setting=setting, role=Role.MANAGER, is_active=True
        ).exists()
    )
    # The rows themselves, not guardian's get_perms: that answers "all" for any superuser.
    has_row = SettingUserObjectPermission.objects.filter(
        user=user, content_object=setting, permission__codename=MANAGE_SETTING
    ).exists()
    if is_manager and not has_row:
        assign_perm(f"setting_records.{MANAGE_SETTING}", user, setting)
    elif has_row and not is_manager:
        remove_perm(f"setting_records.{MANAGE_SETTING}", user, setting)


# For the manager's dashboard (``setting_records/dashboard.py``): what only a manager of the
# setting may look over, each rule again a subquery on the settings ``user`` manages.


def managed_memberships(user: Viewer) -> QuerySet[Membership]:
    """Every membership, current or ended, at the settings ``user`` manages: the staff checks
    (no children in their care, leavers whose accounts still work)."""
    if not _is_staff(user):
        return Membership.objects.none()
    return Membership.objects.filter(setting_id__in=_managed_setting_ids(user))


def sensitive_changes(user: Viewer) -> QuerySet[Model]:
    """History rows (simple-history) of sensitive entries in the settings ``user`` manages:
    versions written as sensitive, and versions of entries that are sensitive now. The rows
    hold the entries' text; callers show who, when and the title only (policy P2, P13)."""
    history = Record.history.model  # type: ignore[attr-defined]
    if not _is_staff(user):
        return history.objects.none()
    # Row by row (EXISTS), not "child_id IN (...)": callers ask for the newest versions, and
    # this lets the database walk the history-date index from the newest and stop, rather than
    # gather every version of every child of the setting first (``dashboard._sensitive_changes``).
    in_managed = Child.objects.filter(
        pk=OuterRef("child_id"), setting_id__in=_managed_setting_ids(user)
    )
    sensitive_now = Record.objects.filter(pk=OuterRef("id"), sensitivity=Sensitivity.SENSITIVE)
    return history.objects.filter(Exists(in_managed)).filter(
        Q(sensitivity=Sensitivity.SENSITIVE) | Exists(sensitive_now)
    )


LOGIN_TROUBLE = (AccessAction.LOGIN_FAILED, AccessAction.LOCKED_OUT, AccessAction.LOCKOUT_ATTEMPTS)


def login_trouble(user: Viewer) -> QuerySet[AccessLogEntry]:
    """Failed logins and lockouts (access log) of the current staff of the settings ``user``
    manages. A failure for a username that matches no account keeps only a keyed hash of what
    was typed (``login_log``): it names no member of staff and no setting, so it cannot be tied
    to a setting and no manager sees it here (UK GDPR Art. 5(1)(c)).

    Current staff only, not leavers: a leaver's logins are no longer this setting's business
    (they may work at another setting now, whose manager sees them; Art. 5(1)(c)), and a
    membership keeps no date it ended to allow "left in the last 7 days" without reading its
    history. A leaver whose account still works is shown to the manager on its own (the
    dashboard's leavers), which is what to act on."""
    if not _is_staff(user):
        return AccessLogEntry.objects.none()
    return AccessLogEntry.objects.filter(
        action__in=LOGIN_TROUBLE,
        actor_id__in=managed_memberships(user).filter(is_active=True).values("user_id"),
    )


# The access log a manager reads (``setting_records/access_log_words.py``, the setting-wide
# log): the rows about the settings they manage.

#: What a member of staff does as themselves, tied to no setting: their sign-ins, failed
#: sign-ins and lockouts, their own password and second factor, and their own reading and
#: checking of the log. A manager sees these rows of their current staff.
PERSONAL_ACTIONS = (
    AccessAction.LOGIN,
    AccessAction.LOGOUT,
    *LOGIN_TROUBLE,
    AccessAction.PASSWORD_CHANGED,
    AccessAction.TWO_FACTOR_CONFIRMED,
    AccessAction.TWO_FACTOR_PASSED,
    AccessAction.TWO_FACTOR_FAILED,
    AccessAction.BACKUP_CODES_GENERATED,
    AccessAction.SETTING_LOG_VIEWED,
    AccessAction.LOG_CHECKED,
)


#: What is done to a member of staff's account, tied to no setting (``services``); a manager
#: sees these rows of anyone who is or was on their staff.
ACCOUNT_ACTIONS = (
    AccessAction.STAFF_ACCOUNT_CREATED,
    AccessAction.STAFF_ACCOUNT_CHANGED,
    AccessAction.STAFF_ACCOUNT_DEACTIVATED,
    AccessAction.STAFF_ACCOUNT_REACTIVATED,
    AccessAction.PASSWORD_LINK_SENT,
)


def managed_log_entries(user: Viewer) -> QuerySet[AccessLogEntry]:
    """The access-log rows a manager may read: every row tied to a setting they manage (or to
    one of its children), and the personal rows (``PERSONAL_ACTIONS``, tied to no setting) of
    its current staff, as ``login_trouble`` decides. Rows of another setting, a leaver's
    later sign-ins, and failures for names that match no account (kept only as a keyed hash)
    are never shown (UK GDPR Art. 5(1)(c)); the checks the ``verify_access_log`` command ran
    (no one's, and about the whole log) are shown to every manager.

    Managers only: the log is the controller's record of who did what (Art. 5(2), 30)."""
    if not _is_staff(user):
        return AccessLogEntry.objects.none()
    managed = _managed_setting_ids(user)
    staff = managed_memberships(user).filter(is_active=True).values("user_id")
    # Changes to an account (invited, changed, deactivated, reactivated, a link sent) are the
    # account's, not one setting's: a manager reads them for anyone who is or was on their
    # staff, found by the ``user`` the row's detail names (``services._about``), compared as
    # text on every database.
    staff_ever = managed_memberships(user).values(as_text=Cast("user_id", CharField()))
    return AccessLogEntry.objects.alias(about_user=Cast(KT("detail__user"), CharField())).filter(
        # A child's rows carry its setting: ``access_log.append``, the only writer, sets it.
        Q(setting_id__in=managed)
        | Q(setting__isnull=True, action__in=ACCOUNT_ACTIONS, about_user__in=staff_ever)
        | Q(setting__isnull=True, action__in=PERSONAL_ACTIONS, actor_id__in=staff)
        | Q(setting__isnull=True, action=AccessAction.LOG_CHECKED, actor__isnull=True)
    )
