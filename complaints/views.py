"""Complaint pages (policy P10). Placeholder: built in issue 12's pages part."""

from django.http import Http404, HttpRequest, HttpResponse


def complaint_list(request: HttpRequest) -> HttpResponse:
    raise Http404


def complaint_new(request: HttpRequest) -> HttpResponse:
    raise Http404


def complaint_from_access_request(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def complaint_from_rectification(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def complaint_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    raise Http404
