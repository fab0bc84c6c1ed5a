import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from access_requests import deadlines, forms, review, services
from access_requests.models import PackRelease, State
from access_requests.pack import WORKING_COPY
from setting_records import access, access_log
from setting_records.errors import WorkflowError
from setting_records.models import AccessAction

logger = logging.getLogger(__name__)


def request_list(request: HttpRequest) -> HttpResponse:
    if not access.managed_settings(request.user).exists():
        raise Http404("Access requests are for managers.")
    requests = (
        access.visible_access_requests(request.user)
        .select_related("child", "requester")
        .prefetch_related("pauses")
    )
    page = Paginator(requests, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for item in page.object_list:
        item.due = item.due_on()
        item.days_left = deadlines.days_left(due=item.due, today=today) if item.due else None
    return render(request, "access_requests/request_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    managed = access.managed_settings(request.user)
    if not managed.exists():
        raise Http404("Access requests are for managers.")
    children = access.visible_children(request.user).filter(setting__in=managed)
    people = access.visible_people(request.user).filter(setting__in=managed)
    form = forms.RequestForm(request.POST or None, children=children, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.request_create(actor=request.user, **form.cleaned_data)
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Request {created.reference} recorded.")
            return redirect(created)
    return render(request, "access_requests/request_form.html", {"form": form})


def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_access_request(request.user, pk)
    deadline = item.deadline(timezone.localdate())
    due = deadline.due
    meeting = getattr(item, "meeting", None)
    helpers = list(item.helpers.all())
    initial = forms.today_initial()
    context = {
        "item": item,
        "due": due,
        "days_left": deadline.days_left,
        "deadline": deadline,
        "meeting": meeting,
        "attendees": meeting.attendees.select_related("person", "helper") if meeting else [],
        "entries": item.entries.select_related("record").order_by("record__occurred_at"),
        "flags": item.flags.all(),
        "advice": item.advice.all(),
        "helpers": helpers,
        "pauses": item.pauses.all(),
        "blockers": services.release_blockers(item),
        "frozen": services.current_frozen(item),
        "changes": services.changes_since_preparation(item),
        "refusal_notice": services.refusal_notice(item),
        "next_steps": services.next_step(item),
        "release": PackRelease.objects.filter(request=item).first(),
        "State": State,
        "forms": {
            "identity": forms.IdentityForm(),
            "identity_request": forms.IdentityRequestForm(initial=initial),
            "pause_start": forms.PauseStartForm(initial=initial),
            "pause_end": forms.PauseEndForm(initial=initial),
            "extension": forms.ExtensionForm(initial=initial),
            "flag": forms.FlagForm(),
            "advice": forms.AdviceForm(initial=initial, **forms.AdviceForm.form_kwargs(item)),
            "redactions_done": forms.RedactionsDoneForm(
                **forms.RedactionsDoneForm.form_kwargs(item)
            ),
            "reprepare": forms.ReasonForm(auto_id="id_reprepare_%s"),
            "declined": forms.DeclinedForm(initial=initial),
            "helper": forms.HelperForm(),
            "meeting": forms.MeetingForm(initial=initial),
            "attendee": forms.AttendeeForm(**forms.AttendeeForm.form_kwargs(item)),
            "held": forms.HeldForm(initial=initial),
            "release": forms.ReleaseForm(
                initial={"route": "at_meeting" if item.state == State.MEETING_HELD else ""},
                **forms.ReleaseForm.form_kwargs(item),
            ),
            # Two reason forms on one page: their own ids, the same field name.
            "withdraw": forms.ReasonForm(auto_id="id_withdraw_%s"),
            "refuse": forms.RefuseForm(auto_id="id_refuse_%s", initial=initial),
        },
    }
    return render(request, "access_requests/request_detail.html", context)


# Each step: the form that takes its input, and the service that carries it out.
STEPS = {
    "verify-identity": (forms.IdentityForm, services.identity_verify, "Identity verified."),
    "ask-identity": (
        forms.IdentityRequestForm,
        services.identity_request,
        "Proof of identity asked for: the month starts again when it arrives.",
    ),
    "pause": (forms.PauseStartForm, services.pause_start, "Clock stopped."),
    "resume": (forms.PauseEndForm, services.pause_end, "Clock restarted."),
    "extend": (forms.ExtensionForm, services.extension_record, "Deadline extended."),
    "prepare": (forms.EmptyForm, services.preparation_start, "Preparation started."),
    "ready": (forms.EmptyForm, services.ready_for_meeting, "Ready for the meeting."),
    "flag": (forms.FlagForm, services.flag_raise, "Controversy flagged."),
    "advice": (forms.AdviceForm, services.legal_advice_record, "Legal advice recorded."),
    "redactions-done": (
        forms.RedactionsDoneForm,
        services.advice_redactions_confirm,
        "Further redactions confirmed.",
    ),
    "reprepare": (forms.ReasonForm, services.preparation_reopen, "Back to preparing."),
    "helper": (forms.HelperForm, services.helper_add, "Recorded against the request."),
    "meeting": (forms.MeetingForm, services.meeting_schedule, "Meeting arranged."),
    "attendee": (forms.AttendeeForm, services.attendee_add, "Attendee recorded."),
    "held": (forms.HeldForm, services.meeting_record_held, "Meeting recorded as held."),
    "declined": (
        forms.DeclinedForm,
        services.meeting_record_declined,
        "Recorded: the meeting was offered and declined.",
    ),
    "release": (forms.ReleaseForm, services.pack_release, "Copy released."),
    "close": (forms.EmptyForm, services.request_close, "Request closed."),
    "withdraw": (forms.ReasonForm, services.request_withdraw, "Request withdrawn."),
    "refuse": (forms.RefuseForm, services.request_refuse, "Request refused."),
}


@require_POST
def request_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    item = access.get_access_request(request.user, pk)
    if step not in STEPS:
        raise Http404("No such step.")
    form_class, service, done = STEPS[step]
    # Forms whose choices depend on the request say so with a form_kwargs(item) hook.
    extra = form_class.form_kwargs(item) if hasattr(form_class, "form_kwargs") else {}
    form = form_class(request.POST, **extra)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect(item)
    kwargs = form.service_kwargs() if hasattr(form, "service_kwargs") else form.cleaned_data
    try:
        service(request=item, actor=request.user, **kwargs)
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect(item)


@require_POST
def entry_decide(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    item = access.get_access_request(request.user, pk)
    entry = item.entries.select_related("record").filter(pk=entry_pk).first()
    if entry is None:
        raise Http404("No such entry.")
    form = forms.EntryForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(item)
    try:
        services.entry_decide(entry=entry, actor=request.user, **form.cleaned_data)
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Saved: {entry.record.title}.")
    return redirect(f"{item.get_absolute_url()}#entry-{entry.pk}")


@require_http_methods(["GET", "POST"])
def request_review(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Save all" on the review list. Refused input is shown again in place, with what was
    typed and each error beside its entry; nothing is saved unless everything is."""
    item = access.get_access_request(request.user, pk)
    if request.method == "GET":
        return redirect(f"{item.get_absolute_url()}#review")
    form = review.ReviewForm(request.POST, entries=review.review_entries(item))
    if form.is_valid():
        try:
            services.entries_review(request=item, decisions=form.decisions(), actor=request.user)
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Review saved.")
            return redirect(f"{item.get_absolute_url()}#review")
    context = {"item": item, **review.review_context(item, form=form)}
    return render(request, "access_requests/review_page.html", context)


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


def request_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager's working copy: watermarked, never the copy handed over.

    Once the pack is fixed for the meeting this is the fixed content, the one the manager goes
    through with the parent and the one released.
    """
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
    access_log.append(
        action=AccessAction.PACK_PREVIEWED,
        actor=request.user,
        child=item.child,
        detail={"request": item.pk},
    )
    return _pdf(pdf, f"{item.reference}-working-copy.pdf")


def request_pack(request: HttpRequest, pk: int) -> HttpResponse:
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
    access_log.append(
        action=AccessAction.PACK_DOWNLOADED,
        actor=request.user,
        child=item.child,
        detail={"request": item.pk, "sha256": release.sha256},
    )
    return _pdf(pdf, f"{item.reference}.pdf")
