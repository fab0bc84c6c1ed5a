from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from setting_records import access, dashboard, login_device
from setting_records.forms import LoginForm
from setting_records.http import AuthenticatedHttpRequest


def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everyone: their key children first, then the others they care for, their recent
    entries, the need-to-know access they hold and what waits for them. Managers: also the
    review dashboard of the settings they manage (``setting_records.dashboard``)."""
    user = request.user
    today = timezone.localdate()
    # One query: the settings the user manages (none for a practitioner).
    managed = list(access.managed_settings(user))
    mine, managed_grants = dashboard.active_grants_for(user, managed=managed, today=today)
    context: dict[str, object] = {
        "own": dashboard.own_part(user, grants=mine, is_manager=bool(managed), today=today),
        "today": today,
    }
    if managed:
        context["dashboard"] = dashboard.manager_part(user, managed, managed_grants, today)
    return render(request, "setting_records/home.html", context)


class LoginView(auth_views.LoginView):
    """Django's login page; a browser that gets the password right is remembered for the
    slow-down (``login_device``). The second factor, where needed, comes after as before."""

    authentication_form = LoginForm

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        login_device.remember(response, user=form.get_user())
        return response
