"""Until the second step is passed, a session that needs it reaches nothing else."""

from collections.abc import Callable
from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from setting_records.two_factor.policy import is_verified, second_factor

# The second step, enrolment and the way out: everything such a session may open.
OPEN_BEFORE_SECOND_STEP = ("two_factor_verify", "two_factor_setup", "two_factor_qr", "logout")


@cache
def _open_paths() -> frozenset[str]:
    return frozenset(reverse(name) for name in OPEN_BEFORE_SECOND_STEP)


class SecondFactorRequiredMiddleware:
    """Sends a signed-in user who needs a second factor, and has not given one, to give it.

    Placed after django-otp's ``OTPMiddleware``, which marks the user verified when this session
    passed the step. Every other path, known or not, the admin included, answers with a
    redirect: nothing of the page is rendered. Static files never reach here (WhiteNoise serves
    them first); the prefix check keeps it so under ``runserver`` too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not is_verified(user)  # type: ignore[arg-type]
            and request.path not in _open_paths()
            and not request.path.startswith(str(settings.STATIC_URL))
        ):
            status = second_factor(user)  # type: ignore[arg-type]
            if status.required:
                step = "two_factor_verify" if status.has_device else "two_factor_setup"
                return self._redirect(request, step)
        return self.get_response(request)

    @staticmethod
    def _redirect(request: HttpRequest, name: str) -> HttpResponse:
        url = reverse(name)
        # Back to the page asked for afterwards; a form's POST cannot be replayed, so not that.
        if request.method in {"GET", "HEAD"}:
            url += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(url)
