"""The setting-wide access log, for managers: every row about the settings they manage, in
plain words (``access_log_words``), newest first, narrowed by member of staff, action and date;
with the seal's last check and a button to check it again.

The log is the controller's record of who looked at and changed what (UK GDPR Art. 5(2), 30,
32(1)(d); DPA 2018 s.62 keeps such a log for law-enforcement processing, the model followed
here). Reading it is itself logged (``SETTING_LOG_VIEWED``), as a child's log is.
"""

import datetime
from collections.abc import Mapping, Sequence
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from setting_records import access, access_log, access_log_words
from setting_records.dates import start_of
from setting_records.fields import UKDateField
from setting_records.http import AuthenticatedHttpRequest
from setting_records.models import AccessAction, AccessLogEntry, User

ROWS_PER_PAGE = 50

FILTERS = ("actor", "action", "date_from", "date_to")


#: The log's own example date, kept on the project's date field (``UKDateField``).
DATE_ERRORS = {"invalid": _("Enter a date such as 31/01/2026.")}


class AccessLogFilterForm(forms.Form):
    """The GET form above the log. Every field is optional; a field with an error is shown
    beside it and left out, and the others still narrow the log. Choices are checked in
    memory, so a junk or foreign value never reaches the database."""

    actor = forms.TypedChoiceField(
        label=_("Member of staff"), required=False, coerce=int, empty_value=None
    )
    action = forms.ChoiceField(
        label=_("What they did"),
        required=False,
        choices=[("", _("Anything")), *AccessAction.choices],
    )
    date_from = UKDateField(label=_("From"), required=False, error_messages=DATE_ERRORS)
    date_to = UKDateField(label=_("To (inclusive)"), required=False, error_messages=DATE_ERRORS)

    def __init__(self, data: Mapping[str, Any] | None, *, staff: Sequence[User]) -> None:
        super().__init__(data)
        actor_field = cast(forms.TypedChoiceField, self.fields["actor"])
        actor_field.choices = [("", _("Anyone")), *((u.pk, str(u)) for u in staff)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("This date is before the “From” date."))
            cleaned.pop("date_from", None)
        return cleaned

    def applied(self) -> dict[str, Any]:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name in FILTERS and value not in (None, "")
        }


def log_staff(user: User) -> list[User]:
    """The filter's members of staff: everyone who has worked at a setting ``user`` manages."""
    ids = access.managed_memberships(user).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("first_name", "last_name", "pk"))


def narrowed(
    entries: QuerySet[AccessLogEntry], filters: Mapping[str, Any]
) -> QuerySet[AccessLogEntry]:
    if actor := filters.get("actor"):
        entries = entries.filter(actor_id=actor)
    if action := filters.get("action"):
        entries = entries.filter(action=action)
    if start := filters.get("date_from"):
        entries = entries.filter(at__gte=start_of(start))
    # The last day there is has no day after it: nothing is logged after it anyway.
    if (end := filters.get("date_to")) and end < datetime.date.max:
        entries = entries.filter(at__lt=start_of(end + datetime.timedelta(days=1)))
    return entries


def _managing(user: User) -> None:
    """Managers only; for anyone else the page does not exist (policy P4)."""
    if not access.managed_settings(user).exists():
        raise Http404("No access log here.")


def seal_words(last: AccessLogEntry | None) -> tuple[str, bool]:
    """The last check in plain words, and whether it found a problem."""
    if last is None:
        return "The log has not been checked yet.", False
    when = timezone.localtime(last.at)
    on = f"{when:%d/%m/%Y} at {when:%H:%M}"
    detail = last.detail if isinstance(last.detail, dict) else {}
    if detail.get("intact") is True:
        return f"The last check found it intact on {on}.", False
    return (
        f"The last check, on {on}, found a problem with the log. "
        "Contact the administrator: do not try to correct it yourself.",
        True,
    )


@require_GET
def access_log_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    _managing(user)
    staff = log_staff(user)
    form = AccessLogFilterForm(request.GET if request.GET else None, staff=staff)
    filters = form.applied()
    access_log.append(
        action=AccessAction.SETTING_LOG_VIEWED,
        actor=user,
        detail={
            "page": request.GET.get("page", "1")[:20],
            "filters": {name: str(value) for name, value in filters.items()},
        },
    )
    entries = narrowed(access.managed_log_entries(user), filters)
    page = Paginator(entries.select_related("actor").order_by("-id"), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    seal, problem = seal_words(access_log.last_check())
    context = {
        "form": form,
        "filtered": bool(filters),
        "page": page,
        "lines": access_log_words.lines(user, page.object_list),
        "seal": seal,
        "seal_problem": problem,
    }
    return render(request, "setting_records/access_log.html", context)


#: How long after one check of the whole log the next may run (``access_log_check``).
CHECK_AGAIN_AFTER = datetime.timedelta(minutes=1)


@require_POST
def access_log_check(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Run the same check as ``verify_access_log`` and log its result (``access_log.check``).
    The check walks the whole log, so it runs at most once a minute whoever asks: a second
    press (or another manager's) within the minute is told when the last one ran, and nothing
    is walked or logged."""
    _managing(request.user)
    last = access_log.last_check()
    if last is not None and timezone.now() - last.at < CHECK_AGAIN_AFTER:
        when = timezone.localtime(last.at)
        messages.info(
            request,
            f"The log was checked at {when:%H:%M} on {when:%d/%m/%Y}. "
            "Wait a minute before checking it again.",
        )
        return redirect("access_log")
    verdict, _row = access_log.check(actor=request.user)
    if verdict.intact:
        messages.success(request, "The log was checked just now: it is intact.")
    else:
        messages.error(
            request,
            "The log was checked just now and a problem was found. Contact the administrator.",
        )
    return redirect("access_log")
