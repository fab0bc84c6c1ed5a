from dataclasses import replace
from itertools import pairwise

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from children import register, services, sharing, statements
from children.forms import (
    CONFIDENTIALITY_QUESTIONS,
    ChildForm,
    ChildSearchForm,
    ConnectionForm,
    GrantForm,
    RecordEditForm,
    RecordForm,
    RevokeForm,
    SharingForm,
    StatementForm,
    TeamForm,
    ThirdPartyCheckForm,
)
from children.models import (
    CHILD_FIELDS,
    CareTeamMember,
    Child,
    InformationSharing,
    Record,
    Room,
    Sensitivity,
    SharingDecision,
)
from children.search import children_named
from children.timeline import (
    ENTRIES_PER_PAGE,
    TimelineFilterForm,
    timeline,
    timeline_authors,
)
from setting_records import access, access_log, access_log_words, reads
from setting_records.errors import WorkflowError
from setting_records.history import attach_users, versions
from setting_records.http import AuthenticatedHttpRequest
from setting_records.models import AccessAction, AccessLogEntry, Role, User

CHILDREN_PER_PAGE = 25
SHARINGS_PER_PAGE = 25
# How many of the latest disclosures the child's page lists.
SHARINGS_ON_CHILD_PAGE = 3


def child_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rooms = Room.objects.filter(setting_id__in=access.staff_setting_ids(request.user))
    form = ChildSearchForm(request.GET or None, rooms=rooms)
    children = register.with_register_marks(
        access.visible_children(request.user).select_related("room", "key_person")
    )
    if form.is_valid():
        if query := form.cleaned_data["q"].strip():
            children = children_named(children, query.split())
        if room := form.cleaned_data["room"]:
            children = children.filter(room_id=room)
    page = Paginator(children, CHILDREN_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "children/child_list.html", {"form": form, "page": page})


def child_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    child = access.get_child(request.user, pk)
    # The timeline (children/timeline.py): what the user may see of the child, filtered, a page
    # at a time, so the page costs the same for 20 entries or 2,000.
    form = TimelineFilterForm(
        request.GET or None,
        authors=timeline_authors(request.user, child),
        sees_sensitive=child.rights.view_all_records or child.rights.has_record_grant,
    )
    filters = form.applied()
    page = Paginator(timeline(request.user, child, filters), ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    records = list(page.object_list)
    for record in records:
        record.rights = access.record_rights(request.user, record, child.rights)
    # The latest disclosures for those who keep the log (P5); nobody else learns of it.
    sharings = (
        list(access.visible_sharings(request.user).filter(child=child)[:SHARINGS_ON_CHILD_PAGE])
        if child.rights.share
        else []
    )
    sharing.log_lines_shown(request.user, child, sharings, via="child page")
    connections = list(child.connections.select_related("person"))
    context = {
        "child": child,
        "records": records,
        "page": page,
        "form": form,
        "filtered": bool(filters) or bool(form.errors),
        # One query; the current connections first, then those ended (kept, and shown apart).
        "connections": [c for c in connections if c.is_current],
        "ended_connections": [c for c in connections if not c.is_current],
        # A court order in force binds the person even after their connection ended: the
        # banner shows it for every connection, ended or not (``ChildPerson.is_restricted``).
        "court_orders": [c for c in connections if c.is_restricted],
        "care_team": child.care_team.order_by("first_name", "last_name"),
        "sharings": sharings,
    }
    return render(request, "children/child_detail.html", context)


@require_http_methods(["GET", "POST"])
def record_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    child = access.get_child(request.user, pk, "add_record")
    form = RecordForm(request.POST or None, may_check=child.rights.check_third_party)
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
    record_statements = list(statements.statements_of(record))
    # What the lists annotate (``statements.statement_exists``), for the entry's badges.
    record.has_statement = bool(record_statements)  # type: ignore[attr-defined]
    # Who the entry went to (P5), for those who keep the sharing log.
    recipients = list(sharing.past_recipients(record)) if record.rights.share else []
    sharing.log_lines_shown(
        request.user, record.child, recipients, via="entry page", record=record.pk
    )
    context = {
        "record": record,
        "statements": record_statements,
        "recipients": recipients,
        # The requests that make it disputed (UK GDPR Art. 18), for its manager to follow.
        "disputes": (
            list(access.pending_rectifications(request.user, record)) if record.disputed else []
        ),
    }
    return render(request, "children/record_detail.html", context)


@require_http_methods(["GET", "POST"])
def statement_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a parent's statement on an entry, in their words (policy P11; UK GDPR Art. 16:
    data completed "by means of providing a supplementary statement", and the ICO's guidance on
    rectification: an opinion is kept, with the individual's view recorded beside it).
    Statements are never edited: a correction is a new statement that replaces the earlier
    one, and both are kept.

    The page shows the entry the statement is about, so showing it is a read, logged when the
    entry is sensitive.
    """
    record = access.get_record(request.user, pk, "record_statement")
    as_stored = reads.shown(record)
    record_statements = list(statements.statements_of(record))
    # What the lists annotate (``statements.statement_exists``), for the entry's badges.
    record.has_statement = bool(record_statements)  # type: ignore[attr-defined]
    form = StatementForm(request.POST or None, record=record)
    if request.method == "POST" and form.is_valid():
        try:
            statements.statement_record(record=record, actor=request.user, **form.service_fields())
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The parent's statement has been added to the entry.")
            return redirect(record)
    reads.log_read(actor=request.user, items=[as_stored], via="statement")
    context = {"record": record, "form": form, "statements": record_statements}
    return render(request, "children/statement_form.html", context)


# What an entry's history compares: everything its form edits, and both parties' answers to
# "is it confidential?" with who checked.
RECORD_HISTORY_FIELDS = [
    *RecordForm.Meta.fields,
    "sharer_confidential",
    "sharer_checked_by",
    "subject_confidential",
    "subject_checked_by",
    # A parent's correction request marks the entry disputed while it is pending (Art. 18).
    "disputed",
]
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
    # The parent's statements are events of the entry's history too (policy P11: a statement
    # travels with its entry), placed among the versions by when they were recorded.
    timeline: list[dict] = [
        {"version": version, "oldest": index == len(shown_versions) - 1, "at": version.at}
        for index, version in enumerate(shown_versions)
    ]
    timeline += [{"event": event, "at": event.at} for event in statements.statement_events(record)]
    timeline.sort(key=lambda item: item["at"], reverse=True)
    context = {"record": record, "versions": shown_versions, "timeline": timeline}
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
    entries = AccessLogEntry.objects.filter(child=child).select_related("actor").order_by("-id")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    # In plain words, what each row names fetched through the policy (access_log_words).
    lines = access_log_words.lines(request.user, page.object_list)
    context = {"child": child, "page": page, "lines": lines}
    return render(request, "children/child_access_log.html", context)


@require_http_methods(["GET", "POST"])
def record_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change an entry. The form shows the entry's text, so showing it (on the first visit, or
    again with errors) is a read, logged when the entry is sensitive as stored."""
    record = access.get_record(request.user, pk, "edit")
    if record.disputed:
        messages.error(request, services.DISPUTED_NOT_EDITABLE)
        return redirect(record)
    # Judged before the form is bound: validating writes the typed values onto the instance.
    as_stored = reads.shown(record)
    form = RecordEditForm(
        request.POST or None, instance=record, may_check=record.rights.check_third_party
    )
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
    grants = child.grants.select_related("grantee", "record", "granted_by", "revoked_by").annotate(
        record_has_statement=statements.statement_exists("record_id")
    )
    return render(
        request, "children/child_grants.html", {"child": child, "form": form, "grants": grants}
    )


def grant_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    grants = (
        access.visible_grants(request.user)
        .select_related("child", "record", "grantee", "granted_by", "revoked_by")
        .annotate(record_has_statement=statements.statement_exists("record_id"))
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
    form = ConnectionForm(request.POST or None, child=child)
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


# The information-sharing log (policy P5). Seen and kept by the manager and the child's key
# person; for anyone else, the child's log does not exist (404), even when they see the child.


def _child_for_sharing(user: User, pk: int) -> Child:
    try:
        return access.get_child(user, pk, "share")
    except PermissionDenied:
        raise Http404("No such child.") from None


def sharing_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The child's log, newest first. Each page shown is in the access log."""
    child = _child_for_sharing(request.user, pk)
    access_log.append(
        action=AccessAction.SHARING_VIEWED,
        actor=request.user,
        child=child,
        detail={"page": request.GET.get("page", "1")[:20]},
    )
    sharings = (
        access.visible_sharings(request.user)
        .filter(child=child)
        .select_related("decided_by")
        .annotate(entry_count=Count("shared_entries"))
        # Newest first, as the model orders; an aggregate drops the default ordering.
        .order_by("-decided_on", "-pk")
    )
    page = Paginator(sharings, SHARINGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "children/sharing_list.html", {"child": child, "page": page})


@require_http_methods(["GET", "POST"])
def sharing_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    child = _child_for_sharing(request.user, pk)
    form = SharingForm(
        request.POST or None,
        records=access.visible_records(request.user)
        .filter(child=child)
        .annotate(has_statement=statements.statement_exists()),
        staff=access.setting_staff(child.setting),
        may_share_disputed=child.rights.is_manager,
        initial={"decided_by": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = sharing.sharing_record(child=child, actor=request.user, **form.service_fields())
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            if item.decision == SharingDecision.SHARED:
                messages.success(request, "The information sharing has been recorded.")
            else:
                messages.success(request, "The decision not to share has been recorded.")
            return redirect(item)
    return render(request, "children/sharing_form.html", {"child": child, "form": form})


def _sharing_entries(item: InformationSharing):
    """The entries named, each with its entry's current marks (policy P11): ``record.disputed``
    and ``has_statement``, annotated in the same query."""
    return item.shared_entries.select_related("record").annotate(
        has_statement=statements.statement_exists("record_id")
    )


def sharing_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One disclosure: the entries by title (no entry text), with the parents' statements that
    stood beside them. Viewing it is in the access log."""
    item = access.get_sharing(request.user, pk)
    access_log.append(
        action=AccessAction.SHARING_VIEWED,
        actor=request.user,
        child=item.child,
        detail={"sharing": item.pk},
    )
    context = {"sharing": item, "entries": _sharing_entries(item)}
    return render(request, "children/sharing_detail.html", context)


def sharing_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A printable record of one disclosure, for the file. Printing it is in the access log."""
    # Imported here: WeasyPrint takes about 2 s to import, so only requests that render a PDF
    # pay for it.
    from children.sharing_pdf import render_sharing

    item = access.get_sharing(request.user, pk)
    pdf = render_sharing(item, list(_sharing_entries(item)))
    access_log.append(
        action=AccessAction.SHARING_PRINTED,
        actor=request.user,
        child=item.child,
        detail={"sharing": item.pk},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="sharing-{item.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


THIRD_PARTY_PER_PAGE = 25


def third_party_review(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The manager's review of third-party information (policy P6): every third-party entry
    of the settings they manage, those with an answer missing first, then the confidential
    ones, then the open ones; each party's answer can be given from here. The page names
    entries by title only (no entry text is shown, so nothing is read)."""
    if not access.managed_settings(request.user).exists():
        raise Http404("No such page.")
    entries = (
        access.third_party_review(request.user)
        .select_related("child", "sharer_checked_by", "subject_checked_by")
        .annotate(
            # The entry's marks (policy P11), in the list's own query.
            has_statement=statements.statement_exists(),
            review_order=Case(
                When(
                    Q(sharer_confidential__isnull=True) | Q(subject_confidential__isnull=True),
                    then=Value(0),
                ),
                When(third_party_confidential=True, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        .order_by("review_order", "-occurred_at", "-pk")
    )
    page = Paginator(entries, THIRD_PARTY_PER_PAGE).get_page(request.GET.get("page"))
    # Each entry with each party's question and the answer recorded so far (None: not yet).
    rows = [
        (
            record,
            [
                (party, question, getattr(record, f"{party}_confidential"))
                for party, question in CONFIDENTIALITY_QUESTIONS.items()
            ],
        )
        for record in page.object_list
    ]
    return render(request, "children/third_party_review.html", {"page": page, "rows": rows})


@require_http_methods(["GET", "POST"])
def third_party_check(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One party's answer for one entry, posted from the manager's review page. The key
    person, who may check too (and does so in the entry's form), is sent back to the entry.

    A GET (a reload, a bookmark) changes nothing and goes back there too."""
    record = access.get_record(request.user, pk, "check_third_party")
    back = (
        reverse("children:third_party_review")
        if record.rights.child.is_manager
        else record.get_absolute_url()
    )
    if request.method != "POST":
        return redirect(back)
    form = ThirdPartyCheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"“{record.title}”: choose yes or no, then save the answer.")
        return redirect(back)
    try:
        services.third_party_check(record=record, actor=request.user, **form.service_fields())
    except WorkflowError as error:
        messages.error(request, f"“{record.title}”: {error}")
    else:
        messages.success(request, f"“{record.title}”: the answer has been recorded.")
    return redirect(back)
