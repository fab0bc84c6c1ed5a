import datetime

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from complaints.models import AWAITING_OUTCOME_STATES
from setting_records import access, login_device
from setting_records.forms import LoginForm
from setting_records.http import AuthenticatedHttpRequest

HOME_CARDS = 12


def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Practitioners: their key children first, then the others they care for.
    Managers: the same, plus what needs their attention in the settings they manage."""
    user = request.user
    children = list(
        access.visible_children(user)
        .select_related("room", "key_person")
        .filter(Q(key_person=user) | Q(care_team=user))
        .distinct()
        .order_by("first_name", "last_name")
    )
    key = [c for c in children if c.key_person_id == user.pk]
    team = [c for c in children if c.key_person_id != user.pk]
    # A home page, not a list: the first few of each, the rest one click away.
    context = {
        "key_children": key[:HOME_CARDS],
        "key_more": len(key) - HOME_CARDS,
        "team_children": team[:HOME_CARDS],
        "team_more": len(team) - HOME_CARDS,
    }
    managed = list(access.managed_settings(user))
    if managed:
        visible = access.visible_children(user).filter(setting__in=managed)
        soon = timezone.localdate() + datetime.timedelta(days=7)
        context["dashboard"] = {
            "counts": visible.aggregate(
                on_roll=Count("pk", filter=Q(left_on__isnull=True)),
                without_key_person=Count(
                    "pk", filter=Q(key_person__isnull=True, left_on__isnull=True)
                ),
            ),
            "without_key_person": visible.filter(
                key_person__isnull=True, left_on__isnull=True
            ).order_by("first_name")[:10],
            "grants_ending": access.visible_grants(user)
            .filter(revoked_at__isnull=True, expires_on__gte=timezone.localdate())
            .filter(expires_on__lte=soon)
            .select_related("child", "grantee")
            .order_by("expires_on"),
            # EYFS statutory framework, section 3 "Complaints": the outcome within 28 days.
            "complaints": access.visible_complaints(user)
            .filter(setting__in=managed)
            .aggregate(
                awaiting=Count("pk", filter=Q(state__in=AWAITING_OUTCOME_STATES)),
                overdue=Count(
                    "pk",
                    filter=Q(state__in=AWAITING_OUTCOME_STATES, due_on__lt=timezone.localdate()),
                ),
            ),
        }
    return render(request, "setting_records/home.html", context)


class LoginView(auth_views.LoginView):
    """Django's login page; a browser that gets the password right is remembered for the
    slow-down (``login_device``). The second factor, where needed, comes after as before."""

    authentication_form = LoginForm

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        login_device.remember(response, user=form.get_user())
        return response
