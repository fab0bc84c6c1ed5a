"""The inspector-ready record of complaints. Placeholder: built in issue 12's record part."""

from django.http import Http404, HttpRequest, HttpResponse


def record_form(request: HttpRequest) -> HttpResponse:
    raise Http404


def record_pdf(request: HttpRequest) -> HttpResponse:
    raise Http404


def record_csv(request: HttpRequest) -> HttpResponse:
    raise Http404
