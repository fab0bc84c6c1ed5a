"""The request every view behind the login sees."""

from django.http import HttpRequest

from setting_records.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request that ``LoginRequiredMiddleware`` let through: ``user`` is a signed-in account.

    Django's authentication backend turns an inactive account back into an anonymous user, so
    the user here is an active one too. Only for annotations: Django builds the request, and a
    view reached without a login (``@login_not_required``) takes a plain ``HttpRequest``.
    ``tests/setting_records/test_url_auth.py`` checks that every other URL needs the login.
    """

    user: User
