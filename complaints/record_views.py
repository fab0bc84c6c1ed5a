"""The inspector-ready record of complaints: a period chosen on a page, then the record as a PDF
or a CSV file (EYFS statutory framework, section 3 "Complaints": a written record of complaints
and their outcomes, made available to Ofsted on request).

Only the managers of a setting see any of it; for everyone else, and for a setting the user
does not manage, the pages do not exist (404). Each PDF or CSV made is in the access log.
"""

import csv
import datetime
import re
from urllib.parse import urlencode, urlsplit

from django.conf import settings as django_settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

from complaints import record
from complaints.record_forms import RecordPeriodForm
from setting_records import access, access_log
from setting_records.http import AuthenticatedHttpRequest
from setting_records.models import AccessAction

RECORD_TEMPLATE = "complaints/pdf/record.html"
# Named by its source path, as the record pack's is (access_requests/pdf.py says why).
RECORD_STYLESHEET = "css/complaints-record.css"

CSV_HEADER = [
    "Reference",
    "Received on",
    "How it was received",
    "What it is about",
    "Complainant",
    "Child",
    "Member of staff concerned",
    "On the 28-day clock",
    "28 days counted from",
    "Acknowledged on",
    "Outcome due by",
    "Outcome told on",
    "Outcome told within 28 days",
    "State",
    "Outcome",
    "Actions taken",
    "Taken further to",
    "Taken further on",
    "Outcome there",
]

# A spreadsheet treats a cell starting with one of these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _period_form(request: AuthenticatedHttpRequest, *, bound: bool) -> RecordPeriodForm:
    form = RecordPeriodForm(
        request.GET if bound else None, managed=access.managed_settings(request.user)
    )
    if not form.managed or form.names_a_setting_not_managed():
        raise Http404("No such record.")
    return form


def _form_page(
    request: AuthenticatedHttpRequest, form: RecordPeriodForm, *, status: int = 200, **extra
) -> HttpResponse:
    return render(request, "complaints/record_form.html", {"form": form, **extra}, status=status)


def record_form(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose the period; once it is valid, how many complaints the record holds and the
    links to it as a PDF and as a CSV file."""
    form = _period_form(request, bound=bool(request.GET))
    if not form.is_bound:
        return _form_page(request, form)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    period = form.cleaned_data
    summary = record.period_summary(
        access.visible_complaints(request.user),
        setting=period["setting"],
        start=period["start"],
        end=period["end"],
    )
    query = urlencode(form.query())
    return _form_page(
        request,
        form,
        summary=summary,
        period=period,
        pdf_url=f"{reverse('complaints:record_pdf')}?{query}",
        csv_url=f"{reverse('complaints:record_csv')}?{query}",
    )


def _export(request: AuthenticatedHttpRequest) -> record.ComplaintsRecord | HttpResponse:
    """The record the address asks for, or the form page with what is wrong in it (400)."""
    form = _period_form(request, bound=True)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    period = form.cleaned_data
    return record.build_record(
        access.visible_complaints(request.user),
        setting=period["setting"],
        start=period["start"],
        end=period["end"],
    )


def _log_export(
    request: AuthenticatedHttpRequest, built: record.ComplaintsRecord, kind: str
) -> None:
    access_log.append(
        action=AccessAction.COMPLAINTS_EXPORTED,
        actor=request.user,
        setting=built.setting,
        detail={
            "format": kind,
            "start": built.start.isoformat(),
            "end": built.end.isoformat(),
            "complaints": len(built.rows),
        },
    )


def _filename(built: record.ComplaintsRecord, extension: str) -> str:
    # The URN is typed by a manager: only letters, digits and hyphens reach the header.
    urn = re.sub(r"[^A-Za-z0-9]+", "-", built.setting.ofsted_urn).strip("-") or "setting"
    return f"complaints-{urn}-{built.start:%Y%m%d}-{built.end:%Y%m%d}.{extension}"


def record_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The record as a PDF for the inspector: A4 landscape, people as labels."""
    # Imported here: WeasyPrint takes about 2 s to import, so only requests that print pay.
    from access_requests.pdf import print_html

    built = _export(request)
    if isinstance(built, HttpResponse):
        return built
    html = render_to_string(
        RECORD_TEMPLATE,
        {
            "record": built,
            "summary": built.summary,
            "stylesheet_url": f"{urlsplit(django_settings.STATIC_URL).path}{RECORD_STYLESHEET}",
        },
    )
    pdf = print_html(html)
    _log_export(request, built, "pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_filename(built, "pdf")}"'
    response["Cache-Control"] = "no-store"
    return response


def csv_cell(value: object) -> str:
    """A value as a CSV cell: dates the UK way, yes or no, and text that a spreadsheet would
    run as a formula made plain text by a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    if text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_rows(built: record.ComplaintsRecord) -> list[list[str]]:
    return [
        [
            csv_cell(value)
            for value in (
                row.reference,
                row.received_on,
                row.received_how,
                row.about,
                row.complainant,
                row.child,
                row.staff_concerned,
                row.on_clock,
                row.clock_from,
                row.acknowledged_on,
                row.due_on,
                row.outcome_notified_on,
                row.twenty_eight_days,
                row.state,
                row.outcome,
                row.actions_taken,
                row.taken_further_to,
                row.taken_further_on,
                row.taken_further_outcome,
            )
        ]
        for row in built.rows
    ]


def record_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The record as a CSV file, for a spreadsheet: UTF-8 with a byte order mark (so Excel
    reads it as UTF-8), a header row, dates as dd/mm/yyyy."""
    built = _export(request)
    if isinstance(built, HttpResponse):
        return built
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(built))
    _log_export(request, built, "csv")
    response["Content-Disposition"] = f'attachment; filename="{_filename(built, "csv")}"'
    response["Cache-Control"] = "no-store"
    return response
