"""The second step of logging in, setting up the app, backup codes and a manager's reset."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from setting_records import access
from setting_records.errors import WorkflowError
from setting_records.http import AuthenticatedHttpRequest
from setting_records.two_factor import services
from setting_records.two_factor.enrolment import new_key, qr_svg, secret_text
from setting_records.two_factor.forms import CodeForm
from setting_records.two_factor.policy import is_verified

# The secret being set up lives in the session until it is confirmed: never in a page's URL,
# and only the person setting it up can fetch its QR code.
SETUP_KEY = "two_factor_setup_key"
# New backup codes, shown once on the next page and then gone from the session.
NEW_CODES = "two_factor_new_codes"


def _next_url(request: AuthenticatedHttpRequest) -> str:
    """Where the login page was asked to go, if it is a page of this site; else home."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if safe else resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, request: AuthenticatedHttpRequest) -> str:
    url = reverse(name)
    next_url = request.POST.get("next") or request.GET.get("next")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _pass_second_step(request: AuthenticatedHttpRequest, device) -> None:
    # A new session key as the session gains the second factor, as Django does at login.
    request.session.cycle_key()
    otp_login(request, device)


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The second step: a code from the app, or a backup code."""
    user = request.user
    if is_verified(user):
        return redirect(_next_url(request))
    if not user_has_device(user):
        return redirect(_with_next("two_factor_setup", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.second_step_pass(actor=user, token=form.cleaned_data["otp_token"])
        except WorkflowError as error:
            form.add_error("otp_token", str(error))
        else:
            _pass_second_step(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    f"You used a backup code; {left} left. Each works once. Generate new ones "
                    "from “Two-factor login” when you run low.",
                )
            return redirect(_next_url(request))
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "second_step": True}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the QR code or type the secret, then give a code."""
    user = request.user
    if user_has_device(user):
        # Set up already: a session past only the password gives its code instead.
        if not is_verified(user):
            return redirect(_with_next("two_factor_verify", request))
        return redirect("two_factor_backup_codes")
    key = request.session.get(SETUP_KEY)
    if not key:
        key = request.session[SETUP_KEY] = new_key()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.two_factor_enrol(
                actor=user, key=key, token=form.cleaned_data["otp_token"]
            )
        except WorkflowError as error:
            form.add_error("otp_token", str(error))
        else:
            del request.session[SETUP_KEY]
            _pass_second_step(request, device)
            request.session[NEW_CODES] = codes
            messages.success(request, "Two-factor login is on for your account.")
            return redirect(_with_next("two_factor_backup_codes", request))
    context = {"form": form, "secret": secret_text(key), "second_step": not is_verified(user)}
    return render(request, "registration/two_factor_setup.html", context)


@never_cache
@require_GET
def qr_code(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The QR code of the secret being set up, for this session only."""
    key = request.session.get(SETUP_KEY)
    if not key or user_has_device(request.user):
        raise Http404("Nothing is being set up.")
    return HttpResponse(qr_svg(request.user, key), content_type="image/svg+xml")


@never_cache
@require_http_methods(["GET", "POST"])
def backup_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Two-factor login for one's own account: backup codes, and a manager's staff."""
    user = request.user
    if not user_has_device(user):
        return redirect("two_factor_setup")
    if request.method == "POST":
        request.session[NEW_CODES] = services.backup_codes_generate(actor=user)
        messages.success(request, "New backup codes made. The old ones no longer work.")
        return redirect("two_factor_backup_codes")
    staff = (
        access.managed_staff(user)
        .annotate(has_app=Exists(TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)))
        .order_by("setting__name", "user__first_name", "user__username")
    )
    context = {
        "new_codes": request.session.pop(NEW_CODES, None),
        "codes_left": StaticToken.objects.filter(device__user=user).count(),
        "staff": staff,
        "next_url": _next_url(request) if "next" in request.GET else None,
    }
    return render(request, "registration/two_factor_backup_codes.html", context)


@require_http_methods(["GET", "POST"])
def reset(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """A manager clears a member of staff's app and backup codes, after confirming."""
    membership = access.get_staff_member(request.user, user_id)
    if request.method == "POST":
        try:
            services.two_factor_reset(
                user=membership.user, setting=membership.setting, actor=request.user
            )
        except WorkflowError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"{membership.user}'s two-factor login has been reset. They set up their app "
                "again when they next log in.",
            )
        return redirect("two_factor_backup_codes")
    context = {"membership": membership, "has_device": user_has_device(membership.user)}
    return render(request, "registration/two_factor_reset.html", context)
