from dataclasses import replace
from itertools import pairwise

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from children import services
from children.forms import (
    ChildForm,
    ChildSearchForm,
    ConnectionForm,
    GrantForm,
    RecordEditForm,
    RecordForm,
    RevokeForm,
    TeamForm,
)
from children.models import CHILD_FIELDS, CareTeamMember, Child, Record, Room, Sensitivity
from setting_records import access, access_log, reads
from setting_records.errors import WorkflowError
from setting_records.history import attach_users, versions
from setting_records.http import AuthenticatedHttpRequest
from setting_records.models import AccessAction, AccessLogEntry, Role, User

CHILDREN_PER_PAGE = 25


def child_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rooms = Room.objects.filter(setting_id__in=access.staff_setting_ids(request.user))
    form = ChildSearchForm(request.GET or None, rooms=rooms)
    children = access.visible_children(request.user).select_related("room", "key_person")
    if form.is_valid():
        if query := form.cleaned_data["q"].strip():
            for word in query.split():
                children = children.filter(
                    Q(first_name__icontains=word)
                    | Q(last_name__icontains=word)
                    | Q(known_as__icontains=word)
                )
        if room := form.cleaned_data["room"]:
            children = children.filter(room_id=room)
    page = Paginator(children, CHILDREN_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "children/child_list.html", {"form": form, "page": page})


def child_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    child = access.get_child(request.user, pk)
    records = list(
        access.visible_records(request.user).filter(child=child).select_related("author")
    )
    for record in records:
        record.rights = access.record_rights(request.user, record, child.rights)
    context = {
        "child": child,
        "records": records,
        "connections": child.connections.select_related("person"),
        "care_team": child.care_team.order_by("first_name", "last_name"),
    }
    return render(request, "children/child_detail.html", context)


@require_http_methods(["GET", "POST"])
def record_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    child = access.get_child(request.user, pk, "add_record")
    form = RecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.record_create(
                child=child, actor=request.user, **form.service_fields()
            )
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            if access.can(request.user, "view", record):
                messages.success(request, "The entry has been saved.")
                return redirect(record)
            messages.success(
                request,
                "The entry has been saved. As a sensitive entry it is visible only to the "
                "manager and the child's key person.",
            )
            return redirect(child)
    return render(request, "children/record_form.html", {"child": child, "form": form})


def record_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = access.get_record(request.user, pk)
    reads.log_read(actor=request.user, items=[reads.shown(record)], via="entry")
    # The requests that make it disputed (UK GDPR Art. 18), for its manager to follow.
    disputes = list(access.pending_rectifications(request.user, record)) if record.disputed else []
    return render(request, "children/record_detail.html", {"record": record, "disputes": disputes})


# What an entry's history compares: everything its form edits, and the confidentiality check.
RECORD_HISTORY_FIELDS = [*RecordForm.Meta.fields, "third_party_confidential"]
CHILD_HISTORY_FIELDS = [*CHILD_FIELDS, "key_person"]


def record_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every version the user may see, with who, when, why and what changed.

    Someone who sees only general entries is not told that the entry was ever sensitive: the
    versions from while it was are left out entirely (no placeholder, no count), and the
    differences are worked out between the versions they may see, so no older text shows
    through. Showing a version that was sensitive is a read of sensitive text, logged once.
    """
    record = access.get_record(request.user, pk)
    rows = list(record.history.all())
    sees_sensitive = record.rights.child.view_all_records or record.is_sensitive
    shown = [row for row in rows if sees_sensitive or row.sensitivity != Sensitivity.SENSITIVE]
    for newer, older in pairwise(rows):
        if older not in shown:
            # Its reason explains a change from a version this user may not see ("no longer
            # sensitive"): shown without it. The row is only read here, never saved.
            newer.history_change_reason = None
    reads.log_read(
        actor=request.user,
        items=[reads.shown(record, versions=shown, current=False)],
        via="history",
        action=AccessAction.RECORD_HISTORY_VIEWED,
    )
    shown_versions = versions(shown, model=Record, fields=RECORD_HISTORY_FIELDS)
    if not sees_sensitive and shown_versions:
        # The first version they see of a downgraded entry was a change, not its creation:
        # "Changed" would say that something came before. For such a viewer the oldest version
        # of every entry has the same neutral name, so the label tells them nothing either way.
        shown_versions[-1] = replace(shown_versions[-1], kind="Earliest version")
    context = {"record": record, "versions": shown_versions}
    return render(request, "children/record_history.html", context)


def child_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    child = access.get_child(request.user, pk)
    access_log.append(action=AccessAction.CHILD_HISTORY_VIEWED, actor=request.user, child=child)
    team_rows = list(
        CareTeamMember.history.filter(child_id=child.pk).order_by("-history_date", "-history_id")
    )
    attach_users(team_rows)
    users = User.objects.in_bulk({row.user_id for row in team_rows})
    context = {
        "child": child,
        "versions": versions(child.history.all(), model=Child, fields=CHILD_HISTORY_FIELDS),
        "team_changes": [(row, users.get(row.user_id)) for row in team_rows],
    }
    return render(request, "children/child_history.html", context)


def child_access_log(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """For the manager: who looked at this child's sensitive entries and history, and when.

    Looking at the log is itself logged, once per page shown (UK GDPR Art. 5(2)).
    """
    child = access.get_child(request.user, pk, "manage")
    access_log.append(
        action=AccessAction.ACCESS_LOG_VIEWED,
        actor=request.user,
        child=child,
        detail={"page": request.GET.get("page", "1")[:20]},
    )
    entries = (
        AccessLogEntry.objects.filter(child=child).select_related("actor", "record").order_by("-id")
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "children/child_access_log.html", {"child": child, "page": page})


@require_http_methods(["GET", "POST"])
def record_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change an entry. The form shows the entry's text, so showing it (on the first visit, or
    again with errors) is a read, logged when the entry is sensitive as stored."""
    record = access.get_record(request.user, pk, "edit")
    # Judged before the form is bound: validating writes the typed values onto the instance.
    as_stored = reads.shown(record)
    form = RecordEditForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        # The form has written its values onto the instance; the service saves them.
        try:
            services.record_update(record=record, actor=request.user, **form.service_fields())
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The entry has been changed; the earlier text is kept.")
            if access.can(request.user, "view", record):
                return redirect(record)
            return redirect(record.child)
    reads.log_read(actor=request.user, items=[as_stored], via="edit")
    return render(
        request,
        "children/record_form.html",
        {"child": record.child, "form": form, "record": record},
    )


@require_http_methods(["GET", "POST"])
def child_team(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    child = access.get_child(request.user, pk, "manage")
    form = TeamForm(
        request.POST or None,
        initial={"key_person": child.key_person, "care_team": list(child.care_team.all())},
        practitioners=access.setting_staff(child.setting, [Role.PRACTITIONER]),
        staff=access.setting_staff(child.setting),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.key_person_assign(
                child=child, key_person=form.cleaned_data["key_person"], actor=request.user
            )
            services.care_team_set(
                child=child, members=form.cleaned_data["care_team"], actor=request.user
            )
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Key person and care team saved.")
            return redirect(child)
    return render(request, "children/child_team.html", {"child": child, "form": form})


@require_http_methods(["GET", "POST"])
def child_grants(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    child = access.get_child(request.user, pk, "manage")
    form = GrantForm(
        request.POST or None,
        staff=access.setting_staff(child.setting),
        records=child.records.order_by("-occurred_at"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_give(child=child, actor=request.user, **form.cleaned_data)
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Access given. It ends by itself after the last day.")
            return redirect("children:grants", pk=child.pk)
    grants = child.grants.select_related("grantee", "record", "granted_by", "revoked_by")
    return render(
        request, "children/child_grants.html", {"child": child, "form": form, "grants": grants}
    )


def grant_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    grants = access.visible_grants(request.user).select_related(
        "child", "record", "grantee", "granted_by", "revoked_by"
    )
    page = Paginator(grants, 50).get_page(request.GET.get("page"))
    return render(request, "children/grant_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def grant_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    grant = access.get_grant(request.user, pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_revoke(grant=grant, actor=request.user, **form.cleaned_data)
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Access withdrawn. It stopped at once.")
            return redirect("children:grants", pk=grant.child_id)
    return render(request, "children/grant_revoke.html", {"grant": grant, "form": form})


def _family_for(form: ChildForm, setting, actor):
    if name := form.cleaned_data["new_family"].strip():
        return services.family_create(setting=setting, name=name, actor=actor)
    return form.cleaned_data["family"]


@require_http_methods(["GET", "POST"])
def child_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    managed = list(access.managed_settings(request.user))
    if not managed:
        raise PermissionDenied
    setting = managed[0]
    form = ChildForm(request.POST or None, setting=setting)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in CHILD_FIELDS}
        try:
            with transaction.atomic():
                fields["family"] = _family_for(form, setting, request.user)
                child = services.child_create(setting=setting, actor=request.user, **fields)
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Child added. Now choose their key person and care team.")
            return redirect("children:team", pk=child.pk)
    return render(request, "children/child_form.html", {"form": form, "setting": setting})


@require_http_methods(["GET", "POST"])
def child_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    child = access.get_child(request.user, pk, "manage")
    form = ChildForm(request.POST or None, instance=child, setting=child.setting)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in CHILD_FIELDS}
        try:
            with transaction.atomic():
                fields["family"] = _family_for(form, child.setting, request.user)
                services.child_update(child=child, actor=request.user, **fields)
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Details saved.")
            return redirect(child)
    return render(request, "children/child_form.html", {"form": form, "child": child})


@require_http_methods(["GET", "POST"])
def connection_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    child = access.get_child(request.user, pk, "manage")
    form = ConnectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.connection_add(
                child=child,
                person=form.person(family=child.family),
                actor=request.user,
                **form.connection_fields(),
            )
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Added to the register.")
            return redirect(child)
    return render(request, "children/connection_form.html", {"form": form, "child": child})
