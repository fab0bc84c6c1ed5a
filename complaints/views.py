"""Complaint pages (policy P10; EYFS statutory framework, section 3 "Complaints").

Any member of staff may log a complaint they received, and then sees what they logged and its
state, nothing more; the managers of the setting see every complaint there and take it through
its steps. The investigation (notes, findings, outcome) is the managers' alone, and every page
that shows it is in the access log (policy P13).
"""

from functools import reduce
from operator import or_
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from children.models import Child, Person
from complaints import services, steps
from complaints.forms import ComplaintForm
from complaints.models import AWAITING_OUTCOME_STATES, About, Complaint
from setting_records import access
from setting_records.errors import WorkflowError
from setting_records.fields import parse_id
from setting_records.history import attach_users
from setting_records.http import AuthenticatedHttpRequest
from setting_records.models import Setting, User

COMPLAINTS_PER_PAGE = 50


def complaint_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """For a manager: the complaints awaiting their outcome, the overdue first then by due
    date, then the rest newest first with whether the 28 days were met. For anyone else: the
    complaints they logged, and their state."""
    user = request.user
    managed = set(access.managed_settings(user).values_list("pk", flat=True))
    complaints = access.visible_complaints(user).select_related("complainant")
    today = timezone.localdate()
    if not managed:
        page = Paginator(complaints, COMPLAINTS_PER_PAGE).get_page(request.GET.get("page"))
        return render(request, "complaints/complaint_list_staff.html", {"page": page})
    complaints = complaints.select_related("child")
    # A setting has few complaints awaiting an outcome at a time: sorted in Python.
    awaiting: list[Any] = list(complaints.filter(state__in=AWAITING_OUTCOME_STATES))
    awaiting.sort(key=lambda item: (item.due_on is None, item.due_on or item.received_on, item.pk))
    rest = complaints.exclude(state__in=AWAITING_OUTCOME_STATES)
    page = Paginator(rest, COMPLAINTS_PER_PAGE).get_page(request.GET.get("page"))
    ended: list[Any] = list(page.object_list)
    for item in [*awaiting, *ended]:
        # A complaint this user logged at a setting they do not manage: what they logged only.
        item.managed = item.setting_id in managed
        item.clock = steps.clock(item, today)
    context = {"awaiting": awaiting, "page": page, "ended": ended}
    return render(request, "complaints/complaint_list.html", context)


def _staff_of(settings: list[Setting]) -> QuerySet[User]:
    """The staff of every setting the complaint may be logged at, for "staff concerned"."""
    return reduce(or_, [access.setting_staff(setting) for setting in settings]).distinct()


def _log_page(
    request: AuthenticatedHttpRequest,
    *,
    settings: list[Setting],
    people: QuerySet[Person],
    children: QuerySet[Child],
    fixed: dict[str, Any],
    facts: list[tuple[str, str, str]],
    heading: str,
    back: tuple[str, str],
) -> HttpResponse:
    """The one form that logs a complaint; ``fixed`` is what the page it came from settles,
    shown as ``facts`` (label, text, link)."""
    setting = fixed.get("setting")
    staff = access.setting_staff(setting) if setting is not None else _staff_of(settings)
    form = ComplaintForm(
        request.POST if request.method == "POST" else None,
        settings=settings,
        people=people,
        children=children,
        staff=staff,
        fixed=fixed,
        # Only the general form asks what it is about; its help depends on who is asked.
        manager="about" in fixed or access.managed_settings(request.user).exists(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_log(actor=request.user, **form.service_kwargs())
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            if access.manages(request.user, complaint.setting_id):
                messages.success(request, _("Complaint %s logged.") % complaint.reference)
                return redirect(complaint)
            messages.success(
                request,
                _(
                    "Complaint %s logged. The setting's manager takes it from here; you can "
                    "see what you logged in this list."
                )
                % complaint.reference,
            )
            return redirect("complaints:list")
    context = {"form": form, "facts": facts, "heading": heading, "back": back}
    return render(request, "complaints/complaint_form.html", context)


@require_http_methods(["GET", "POST"])
def complaint_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Log a complaint received, by whoever received it. ``?record=<id>``: a complaint about
    that entry, linked to it, its child filled in."""
    user = request.user
    settings = list(access.complaint_settings(user).order_by("name"))
    if not settings:
        raise Http404("Complaints are logged by the staff of a setting.")
    if "record" not in request.GET:
        return _log_page(
            request,
            settings=settings,
            people=access.visible_people(user),
            children=access.visible_children(user),
            fixed={},
            facts=[],
            heading=_("Log a complaint"),
            back=(_("Complaints"), "/complaints/"),
        )
    pk = parse_id(request.GET["record"])
    if pk is None:
        raise Http404("No such record.")
    record = access.get_record(user, pk)
    child = record.child
    return _log_page(
        request,
        settings=settings,
        people=access.visible_people(user).filter(connections__child=child),
        children=access.visible_children(user),
        fixed={
            "setting": child.setting,
            "about": About.ENTRY,
            "record": record,
            "child": child,
        },
        facts=[
            (_("About"), _("An entry: %s") % record.title, record.get_absolute_url()),
            (_("Child"), child.display_name, child.get_absolute_url()),
        ],
        heading=_("Log a complaint about an entry"),
        back=(record.title, record.get_absolute_url()),
    )


@require_http_methods(["GET", "POST"])
def complaint_from_access_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The one-step referral (policy P10): a complaint about the access request, from its
    requester, about its child."""
    item = access.get_access_request(request.user, pk)
    child = item.child
    return _log_page(
        request,
        settings=[child.setting],
        people=access.visible_people(request.user).none(),
        children=access.visible_children(request.user).none(),
        fixed={
            "setting": child.setting,
            "about": About.ACCESS_REQUEST,
            "access_request": item,
            "complainant": item.requester,
            "child": child,
        },
        facts=[
            (_("About"), _("Access request %s") % item.reference, item.get_absolute_url()),
            (_("Complainant"), str(item.requester), ""),
            (_("Child"), child.display_name, child.get_absolute_url()),
        ],
        heading=_("Refer to the complaints procedure"),
        back=(item.reference, item.get_absolute_url()),
    )


@require_http_methods(["GET", "POST"])
def complaint_from_rectification(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The one-step referral of a decision on a correction request (policy P10, P11): once
    decided or refused, a complaint about it, from the parent who asked."""
    item = access.get_rectification(request.user, pk)
    if item.state not in services.REFERABLE_RECTIFICATION_STATES:
        raise PermissionDenied("There is no decision to complain about yet.")
    child = item.child
    return _log_page(
        request,
        settings=[child.setting],
        people=access.visible_people(request.user).none(),
        children=access.visible_children(request.user).none(),
        fixed={
            "setting": child.setting,
            "about": About.RECTIFICATION,
            "rectification": item,
            "complainant": item.requester,
            "child": child,
        },
        facts=[
            (
                _("About"),
                _("The decision on correction request %(pk)s (%(state)s)")
                % {"pk": item.pk, "state": item.get_state_display().lower()},
                item.get_absolute_url(),
            ),
            (_("Complainant"), str(item.requester), ""),
            (_("Child"), child.display_name, child.get_absolute_url()),
        ],
        heading=_("Refer to the complaints procedure"),
        back=(_("Correction request %s") % item.pk, item.get_absolute_url()),
    )


def _linked(user: User, item: Complaint) -> tuple[str, str] | None:
    """What the complaint is about, as (words, link), when the user may see it."""
    if item.access_request_id:
        request = access.visible_access_requests(user).filter(pk=item.access_request_id).first()
        if request is not None:
            return _("Access request %s") % request.reference, request.get_absolute_url()
    elif item.rectification_id:
        rectification = (
            access.visible_rectifications(user)
            .select_related("record")
            .filter(pk=item.rectification_id)
            .first()
        )
        if rectification is not None:
            words = _("Correction request %(pk)s, on the entry “%(title)s”") % {
                "pk": rectification.pk,
                "title": rectification.record.title,
            }
            return words, rectification.get_absolute_url()
    elif item.record_id:
        record = access.visible_records(user).filter(pk=item.record_id).first()
        if record is not None:
            return _("The entry “%s”") % record.title, record.get_absolute_url()
    return None


def _render_logged(request: AuthenticatedHttpRequest, item: Complaint) -> HttpResponse:
    """For the member of staff who logged it: what they logged and its state. No notes,
    findings, outcome, history or steps: those are the managers' (policy P10)."""
    user = request.user
    child_seen = bool(
        item.child_id and access.visible_children(user).filter(pk=item.child_id).exists()
    )
    context = {"item": item, "child_seen": child_seen, "linked": _linked(user, item)}
    return render(request, "complaints/complaint_logged.html", context)


def _render_detail(
    request: AuthenticatedHttpRequest,
    item: Complaint,
    *,
    step: str | None = None,
    form: Any = None,
    status: int = 200,
) -> HttpResponse:
    """The manager's page: the facts, the clock, the step that comes next with its form (or
    the one asked for under "Other actions"), the investigation and the history."""
    user = request.user
    if not item.rights.is_manager:  # type: ignore[attr-defined]
        return _render_logged(request, item)
    current = steps.current_step(item)
    side = steps.side_steps(item, current)
    # A step that ends the complaint is offered as a link; its form appears, as a
    # confirmation, only when asked for (?step=withdraw) or posted.
    confirming = step is not None
    if step is None:
        asked = request.GET.get("step")
        step = asked if asked in side or asked == current else current
        confirming = asked is not None and asked == step
    if form is None and step is not None:
        form = steps.build_form(item, step)
    notes = list(item.notes.select_related("written_by"))
    history = list(item.history.order_by("-history_date", "-history_id"))
    attach_users(history)
    if notes or item.findings:
        # The investigation is shown: logged like a read of a sensitive entry (P10, P13).
        services.investigation_viewed(complaint=item, actor=user, via="complaint page")
    context = {
        "item": item,
        "linked": _linked(user, item),
        "clock": steps.clock(item, timezone.localdate()),
        "progress": steps.progress(item),
        "step": step,
        "spec": steps.STEPS.get(step) if step else None,
        "form": form,
        "is_current": step == current,
        "confirming": confirming,
        "side_steps": [(name, steps.STEPS[name]) for name in side],
        "notes": notes,
        "history": history,
    }
    return render(request, "complaints/complaint_detail.html", context, status=status)


def complaint_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = access.get_complaint(request.user, pk)
    return _render_detail(request, item)


@require_http_methods(["GET", "POST"])
def complaint_step(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    """Carry out one step; bad input or a broken rule shows the page again with what was
    typed and the error beside it. A GET goes to the complaint's page."""
    item = access.get_complaint(request.user, pk, "manage")
    if step not in steps.STEPS:
        raise Http404("No such step.")
    if request.method == "GET":
        return redirect(item)
    if _already_there(item, step):
        return _already_recorded(request, item)
    spec = steps.STEPS[step]
    if spec.confirm and request.POST.get("confirmed") != "yes":
        # Ending a complaint is asked twice: show the confirmation, keeping what was typed.
        form = spec.form_class(initial=request.POST.dict(), **spec.form_kwargs(item))
        return _render_detail(request, item, step=step, form=form)
    form = steps.build_form(item, step, request.POST)
    if form.is_valid():
        try:
            spec.service(complaint=item, actor=request.user, **form.cleaned_data)
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, str(spec.done))
            return redirect(item)
    # The service may have locked and re-read the row; show it as it now stands.
    item = access.get_complaint(request.user, pk, "manage")
    if form.errors and _already_there(item, step):
        # The first of two posts sent at once got there while this one waited for the lock.
        return _already_recorded(request, item)
    return _render_detail(request, item, step=step, form=form)


def _already_there(item: Complaint, step: str) -> bool:
    """The complaint is already in the state the step leads to: the step was posted again (a
    double click, a resent form), not refused."""
    return steps.LEADS_TO.get(step) == item.state


def _already_recorded(request: AuthenticatedHttpRequest, item: Complaint) -> HttpResponse:
    messages.info(request, _("This was already recorded."))
    return redirect(item)
