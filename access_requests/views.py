import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from access_requests import (
    deadlines,
    forms,
    pack_reads,
    rectification_steps,
    review,
    services,
    steps,
)
from access_requests.models import (
    OPEN_RECTIFICATION_STATES,
    OPEN_STATES,
    RELEASE_STATES,
    AccessRequest,
    PackRelease,
    RectificationOutcome,
    RectificationRequest,
    State,
)
from access_requests.pack import WORKING_COPY
from children import sharing as sharing_log
from children.statements import statement_exists
from complaints.models import Complaint
from setting_records import access, reads
from setting_records.errors import WorkflowError
from setting_records.fields import parse_id
from setting_records.history import attach_users
from setting_records.http import AuthenticatedHttpRequest
from setting_records.models import AccessAction

logger = logging.getLogger(__name__)


LIST_FILTERS = {"open": _("Open"), "ended": _("Ended")}


def request_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open requests by due date, the overdue first; ended ones newest first."""
    if not access.managed_settings(request.user).exists():
        raise Http404("Access requests are for managers.")
    show = request.GET.get("show")
    show = show if show in LIST_FILTERS else "open"
    requests = (
        access.visible_access_requests(request.user)
        .select_related("child", "requester")
        .prefetch_related("pauses")
    )
    today = timezone.localdate()
    items: list[AccessRequest] | QuerySet[AccessRequest]
    if show == "open":
        # The due date depends on pauses and extensions worked out in Python, and a setting
        # has few open requests at a time: sort them all, then page.
        items = list(requests.filter(state__in=OPEN_STATES))
        for item in items:
            _with_due(item, today)
        items.sort(key=lambda item: _due_order(item, today))
    else:
        items = requests.exclude(state__in=OPEN_STATES)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    rows: list[Any] = list(page.object_list)
    seen = set(
        access.visible_children(request.user)
        .filter(pk__in={row.child_id for row in rows})
        .values_list("pk", flat=True)
    )
    for row in rows:
        row.child_visible = row.child_id in seen
    context = {"page": page, "show": show, "filters": LIST_FILTERS}
    return render(request, "access_requests/request_list.html", context)


def _due_order(item: Any, today) -> tuple:
    return (item.due is None, item.due or today, item.pk)


def _with_due(item: Any, today) -> None:
    """The due date and days left, for the list; none once the copy is released."""
    item.due = item.due_on() if item.state != State.COPY_RELEASED else None
    item.days_left = deadlines.days_left(due=item.due, today=today) if item.due else None


@require_http_methods(["GET", "POST"])
def request_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Two steps without JavaScript: choose the child, then the requester from its register."""
    managed = access.managed_settings(request.user)
    if not managed.exists():
        raise Http404("Access requests are for managers.")
    children = access.visible_children(request.user).filter(setting__in=managed)
    source = request.POST if request.method == "POST" else request.GET
    chooser = forms.ChildChoiceForm(source if "child" in source else None, children=children)
    if not chooser.is_valid():
        return render(request, "access_requests/request_form.html", {"chooser": chooser})
    child = chooser.cleaned_data["child"]
    connections = list(child.connections.current().select_related("person"))
    # One filter() call: the same connection is the child's and current.
    people = access.visible_people(request.user).filter(
        connections__child=child, connections__ended_on__isnull=True
    )
    form = forms.RequestForm(
        request.POST if request.method == "POST" else None,
        child=child,
        people=people,
        connections=connections,
        open_requests=access.visible_access_requests(request.user).filter(
            child=child, state__in=OPEN_STATES
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            created = services.request_create(
                actor=request.user, child=child, **form.service_kwargs()
            )
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Request {created.reference} recorded.")
            return redirect(created)
    context = {"form": form, "child": child}
    return render(request, "access_requests/request_form.html", context)


def _render_detail(
    request: AuthenticatedHttpRequest,
    item: AccessRequest,
    *,
    step: str | None = None,
    form=None,
    review_form: review.ReviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The request page, showing one step's form: the current one, or the step asked for."""
    finished = steps.is_finished(item)
    # Rebuilds the whole pack to compare with the one fixed for the meeting: once per page.
    changes = services.changes_since_preparation(item) if item.is_open else []
    current = steps.current_step(item, changes=changes)
    side = steps.side_steps(item, current)
    # A step that ends the request is offered as a link; its form appears, as a confirmation,
    # only when asked for (?step=close) or posted.
    confirming = step is not None
    if step is None:
        asked = request.GET.get("step")
        step = asked if asked in side or asked == current else current
        confirming = asked is not None and asked == step
    if form is None and step is not None:
        form = steps.build_form(item, step)
    release = PackRelease.objects.filter(request=item).first()
    history = list(item.history.order_by("-history_date", "-history_id"))
    attach_users(history)
    # Ended connections too: a court order in force binds the person whatever the register
    # says of their connection (``ChildPerson.is_restricted``).
    restrictions = [c for c in item.child.connections.select_related("person") if c.is_restricted]
    context = {
        "item": item,
        "State": State,
        "finished": finished,
        "progress": steps.progress(item, released=release is not None),
        "step": step,
        "spec": steps.STEPS.get(step) if step else None,
        "form": form,
        "is_current": step == current,
        "confirming": confirming,
        "forms": {step.replace("-", "_"): form} if step else {},
        "errors": form.errors if form is not None and form.is_bound else {},
        "side_steps": [(name, steps.STEPS[name]) for name in side],
        "deadline": item.deadline(timezone.localdate()),
        "flags": item.flags.all(),
        "blockers": (
            services.release_blockers(item, changes=changes) if item.state in RELEASE_STATES else []
        ),
        "frozen": services.current_frozen(item),
        "changes": changes,
        "refusal_notice": services.refusal_notice(item) if item.state == State.REFUSED else [],
        "next_steps": [] if finished else services.next_step(item, changes=changes),
        "release": release,
        "restrictions": restrictions,
        "complaints": _complaints_about(request, access_request=item),
        "history": history,
    }
    if step == "ready":
        context |= review.review_context(item, form=review_form)
        # The review list shows every entry's text: a read of the sensitive ones.
        reads.log_read(
            actor=request.user,
            items=pack_reads.review_shown(row.entry for row in context["review_rows"]),
            via="review",
            action=AccessAction.ENTRIES_REVIEWED,
            child=item.child,
            detail={"request": item.pk},
        )
    return render(request, "access_requests/request_detail.html", context, status=status)


def _complaints_about(request: AuthenticatedHttpRequest, **link: Any) -> QuerySet[Complaint]:
    """The complaints linked to a request, as the complaints policy lets the user see them
    (policy P10), newest first: one query, run only if the page lists them. The list shows
    each one's own fields only, so nothing related is fetched."""
    return access.visible_complaints(request.user).filter(**link).order_by("-received_on", "-pk")


def request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = access.get_access_request(request.user, pk)
    return _render_detail(request, item)


@require_http_methods(["GET", "POST"])
def request_step(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    """Carry out one step. Bad input or a broken rule shows the page again with the form as
    typed and the error beside it; a GET (a bookmark, a reload) goes to the request page."""
    item = access.get_access_request(request.user, pk)
    if step not in steps.STEPS:
        raise Http404("No such step.")
    if request.method == "GET":
        return redirect(item)
    spec = steps.STEPS[step]
    if spec.confirm and request.POST.get("confirmed") != "yes":
        # Ending a request is asked twice: show the confirmation, keeping what was typed.
        kwargs = spec.form_kwargs(item)
        form = spec.form_class(initial=request.POST.dict(), **kwargs)
        return _render_detail(request, item, step=step, form=form)
    form = steps.build_form(item, step, request.POST)
    if form.is_valid():
        kwargs = form.service_kwargs() if hasattr(form, "service_kwargs") else form.cleaned_data
        try:
            spec.service(request=item, actor=request.user, **kwargs)
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, str(spec.done))
            return redirect(item)
    # The service may have locked and re-read the row; show it as it now stands.
    item = access.get_access_request(request.user, pk)
    return _render_detail(request, item, step=step, form=form)


@require_http_methods(["GET", "POST"])
def request_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """ "Save all" on the review list. Refused input is shown again in place, on the request
    page, with what was typed and each error beside its entry; nothing is saved unless
    everything is."""
    item = access.get_access_request(request.user, pk)
    if request.method == "GET":
        return redirect(f"{item.get_absolute_url()}#review")
    form = review.review_form(item, request.POST)
    if form.is_valid():
        try:
            services.entries_review(
                request=item,
                decisions=form.decisions(),
                statements=form.statement_decisions(),
                recipients=form.recipient_decisions(),
                actor=request.user,
            )
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Review saved.")
            return redirect(f"{item.get_absolute_url()}#review")
    item = access.get_access_request(request.user, pk)
    if steps.current_step(item) != "ready":
        # Not being prepared (another manager may have moved it on): the page as it stands,
        # with what was refused said at the top.
        refused = form.non_field_errors() or [
            "The entries can be changed only while the information is being prepared."
        ]
        for problem in refused:
            messages.error(request, str(problem))
        return _render_detail(request, item)
    return _render_detail(request, item, step="ready", review_form=form)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


PREVIEW_STATES = {
    State.PREPARING,
    State.READY_FOR_MEETING,
    State.MEETING_HELD,
    State.MEETING_DECLINED,
    State.COPY_RELEASED,
}


def request_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The manager's working copy: watermarked, never the copy handed over.

    Once the pack is fixed for the meeting this is the fixed content, the one the manager goes
    through with the parent and the one released.
    """
    # Imported here: WeasyPrint takes about 2 s to import, so only requests that render a PDF
    # pay for it.
    from access_requests.pdf import render_pack

    item = access.get_access_request(request.user, pk)
    if item.state not in PREVIEW_STATES:
        raise PermissionDenied
    try:
        content = services.pack_content(
            item, prepared_for=str(item.requester), watermark=WORKING_COPY
        )
    except WorkflowError as error:
        return HttpResponse(str(error), status=409, content_type="text/plain; charset=utf-8")
    pdf = render_pack(content)
    # Logged whatever it holds, naming the sensitive entries whose text it prints.
    reads.log_read(
        actor=request.user,
        items=pack_reads.pack_shown(item, services.current_frozen(item)),
        via="working copy",
        action=AccessAction.PACK_PREVIEWED,
        child=item.child,
        detail={"request": item.pk},
        always=True,
    )
    return _pdf(pdf, f"{item.reference}-working-copy.pdf")


def request_pack(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The parent's copy: the very bytes released, each download logged."""
    item = access.get_access_request(request.user, pk)
    release = PackRelease.objects.filter(request=item).first()
    if release is None:
        raise PermissionDenied
    pdf = services.released_bytes(release)
    if pdf is None:
        logger.error("Released pack %s is missing or altered on disk.", release.file_name)
        return HttpResponse(
            "The stored copy is missing or does not match the fingerprint recorded when it was "
            "released. Do not hand out a copy: tell whoever looks after the system.",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    reads.log_read(
        actor=request.user,
        items=pack_reads.pack_shown(item, release.frozen),
        via="released copy",
        action=AccessAction.PACK_DOWNLOADED,
        child=item.child,
        detail={"request": item.pk, "sha256": release.sha256},
        always=True,
    )
    return _pdf(pdf, f"{item.reference}.pdf")


# Rectification requests (policy P11; UK GDPR Art. 16, 18, 19).


def _managers_only(request: AuthenticatedHttpRequest) -> None:
    if not access.managed_settings(request.user).exists():
        raise Http404("Correction requests are for managers.")


def rectification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open requests first, overdue first then by due date; then the ended ones, newest first."""
    _managers_only(request)
    rectifications = (
        access.visible_rectifications(request.user)
        .select_related("record", "child", "requester")
        # The entry's marks, in the list's own query (policy P11).
        .annotate(record_has_statement=statement_exists("record_id"))
    )
    today = timezone.localdate()
    # A setting has few open requests at a time: their due dates are worked out in Python.
    open_items: list[Any] = list(rectifications.filter(state__in=OPEN_RECTIFICATION_STATES))
    for item in open_items:
        item.due = item.due_on()
        item.days_left = deadlines.days_left(due=item.due, today=today) if item.due else None
    open_items.sort(key=lambda item: _due_order(item, today))
    ended = rectifications.exclude(state__in=OPEN_RECTIFICATION_STATES)
    page = Paginator(ended, 50).get_page(request.GET.get("page"))
    ended_items: list[Any] = list(page.object_list)
    for item in ended_items:
        item.on_time = services.answered_on_time(item)
    context = {"open_items": open_items, "page": page, "ended_items": ended_items}
    return render(request, "access_requests/rectification_list.html", context)


@require_http_methods(["GET", "POST"])
def rectification_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a parent's request to correct the entry, the requester chosen from the child's
    register. From the entry page, for the manager."""
    record = access.get_record(request.user, pk)
    if not record.rights.child.is_manager:
        raise Http404("Correction requests are for managers.")
    child = record.child
    form = forms.RectificationForm(
        request.POST if request.method == "POST" else None,
        child=child,
        people=access.visible_people(request.user).filter(
            connections__child=child, connections__ended_on__isnull=True
        ),
        connections=list(child.connections.current().select_related("person")),
    )
    if request.method == "POST" and form.is_valid():
        try:
            created = services.rectification_create(
                record=record, actor=request.user, **form.cleaned_data
            )
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Correction request recorded: the entry is now disputed.")
            return redirect(created)
    return render(
        request, "access_requests/rectification_form.html", {"form": form, "record": record}
    )


def _render_rectification(
    request: AuthenticatedHttpRequest,
    item: RectificationRequest,
    *,
    step: str | None = None,
    form=None,
    status: int = 200,
) -> HttpResponse:
    """The request page: the entry, the deadline, and one step's form (the next one, or the
    one asked for under "Other actions")."""
    record = item.record
    # The entry's marks (policy P11): a parent's statement beside it, and ``record.disputed``.
    record.has_statement = record.statements.exists()  # type: ignore[attr-defined]
    # The page shows the entry's text: a read of a sensitive entry is logged (P2, P13).
    reads.log_read(
        actor=request.user,
        items=[reads.shown(record)],
        via="correction request",
        detail={"rectification": item.pk},
    )
    current = rectification_steps.current_step(item)
    side = rectification_steps.side_steps(item, current)
    confirming = step is not None
    if step is None:
        asked = request.GET.get("step")
        step = asked if asked in side or asked == current else current
        confirming = asked is not None and asked == step
    if form is None and step is not None:
        initial = {}
        if step == "notice" and (sharing := parse_id(request.GET.get("sharing"))):
            initial["sharing"] = sharing
        form = rectification_steps.build_form(item, step, initial=initial)
    history = list(item.history.order_by("-history_date", "-history_id"))
    attach_users(history)
    recipients = []
    summaries = []
    if item.outcome == RectificationOutcome.CORRECTED:
        notices = {notice.sharing_id: notice for notice in item.notices.all()}
        recipients = [
            (sharing, notices.get(sharing.pk)) for sharing in services.past_recipients(record)
        ]
        # Disclosures recorded as a written summary only may have included the entry (Art. 19):
        # listed apart, to be checked.
        summaries = [
            (sharing, notices.get(sharing.pk))
            for sharing in sharing_log.summary_disclosures(record)
        ]
        # Lines of the sharing log: a view of it, in the access log (P5).
        sharing_log.log_lines_shown(
            request.user,
            record.child,
            [sharing for sharing, _ in recipients + summaries],
            via="correction request",
            rectification=item.pk,
        )
    context = {
        "item": item,
        "record": record,
        "State": State,
        "progress": rectification_steps.progress(item),
        "step": step,
        "spec": rectification_steps.STEPS.get(step) if step else None,
        "form": form,
        "is_current": step == current,
        "confirming": confirming,
        "side_steps": [(name, rectification_steps.STEPS[name]) for name in side],
        "deadline": item.deadline(timezone.localdate()),
        "finished": item.state in rectification_steps.ENDED_EARLY,
        "on_time": services.answered_on_time(item),
        "recipients": recipients,
        "summaries": summaries,
        "complaint_rights": rectification_steps.complaint_rights_told(item),
        "complaints": _complaints_about(request, rectification=item),
        "history": history,
    }
    return render(request, "access_requests/rectification_detail.html", context, status=status)


def rectification_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = access.get_rectification(request.user, pk)
    return _render_rectification(request, item)


@require_http_methods(["GET", "POST"])
def rectification_step(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    """Carry out one step; bad input or a broken rule shows the page again with what was
    typed and the error beside it. A GET goes to the request page."""
    item = access.get_rectification(request.user, pk)
    if step not in rectification_steps.STEPS:
        raise Http404("No such step.")
    if request.method == "GET":
        return redirect(item)
    spec = rectification_steps.STEPS[step]
    if spec.confirm and request.POST.get("confirmed") != "yes":
        form = spec.form_class(initial=request.POST.dict(), **spec.form_kwargs(item))
        return _render_rectification(request, item, step=step, form=form)
    form = rectification_steps.build_form(item, step, request.POST)
    if form.is_valid():
        kwargs = form.service_kwargs() if hasattr(form, "service_kwargs") else form.cleaned_data
        try:
            spec.service(rectification=item, actor=request.user, **kwargs)
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, str(spec.done))
            return redirect(item)
    item = access.get_rectification(request.user, pk)
    return _render_rectification(request, item, step=step, form=form)
