"""Middleware for signed-in requests: nothing kept in caches, and sessions that end by the clock.

Both sit after Django's ``AuthenticationMiddleware`` (they read ``request.user``) and after
WhiteNoise, which answers static files before they are reached, so static files stay cacheable.
The login signal's receiver below is connected when Django loads ``MIDDLEWARE``, before the
first request: it exists exactly when the absolute timeout is in use.
"""

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control

# The session key holding when this login began, as a POSIX timestamp.
LOGIN_STARTED_KEY = "setting_records_login_started"


class NoStoreWhenSignedInMiddleware:
    """``Cache-Control: no-store`` on every response to a signed-in user.

    Pages behind the login show children's records; neither the browser's cache nor a shared
    cache on the way may keep a copy once the member of staff has moved on (ICO, *Security
    outcomes*: protect personal data held on end-user devices). Pages for everyone (the login
    page) and static files are left as they are.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Read after the view: a login in this request counts, a logout does not need to.
        if request.user.is_authenticated:
            patch_cache_control(response, no_store=True)
        return response


class AbsoluteSessionTimeoutMiddleware:
    """Ends a session ``SESSION_ABSOLUTE_HOURS`` after its login, however busy it has been.

    The idle timeout (``SESSION_COOKIE_AGE``, restarted by every request) ends a session left
    alone; this one ends a session kept busy, so that a browser left signed in on a shared
    computer does not stay signed in all week (NCSC, *Device security guidance*: lock or end
    unattended sessions). The login time is kept in the session: set by every login (Django's
    ``user_logged_in`` signal, below), or by the first signed-in request for a session that
    has none. Past the limit the user is signed out (Django's ``logout``, which the access log
    hears) and, being anonymous now, sent to the login page by ``LoginRequiredMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(LOGIN_STARTED_KEY)
            if started is None:
                start_the_clock(request)
            elif timezone.now().timestamp() - float(started) > self.limit().total_seconds():
                logout(request)
        return self.get_response(request)

    @staticmethod
    def limit() -> timedelta:
        return timedelta(hours=settings.SESSION_ABSOLUTE_HOURS)


def start_the_clock(request: HttpRequest) -> None:
    request.session[LOGIN_STARTED_KEY] = timezone.now().timestamp()


@receiver(user_logged_in, dispatch_uid="absolute_session_timeout_start")
def login_starts_the_clock(sender, request: HttpRequest | None, user, **kwargs) -> None:
    # Also for a login on a session already signed in as the same user, which Django keeps
    # under the same key: typing the password again earns a fresh ten hours.
    if request is not None and hasattr(request, "session"):
        start_the_clock(request)
