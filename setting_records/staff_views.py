"""The managers' staff pages: invite, change a role, mark a leaver, give a place back, send a
set-password link. Every change goes through ``setting_records.services`` (history and the
access log, UK GDPR Art. 5(1)(f) and 32); managers never see or set anyone's password.

A member of staff at a setting the user does not manage does not exist for them (404), the
same as one who does not exist at all; a practitioner has no staff pages.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from setting_records import access, services
from setting_records.errors import WorkflowError
from setting_records.http import AuthenticatedHttpRequest
from setting_records.models import Membership, Role
from setting_records.staff_forms import AddExistingForm, InviteForm, RoleForm

ALREADY_DONE = "This was already done."


def _managed_or_404(request: AuthenticatedHttpRequest) -> list:
    managed = list(access.managed_settings(request.user))
    if not managed:
        raise Http404("No staff pages.")
    return managed


@require_http_methods(["GET"])
def staff_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    managed = _managed_or_404(request)
    places = list(
        access.visible_staff(request.user).order_by(
            "setting__name", "user__first_name", "user__last_name", "user__username"
        )
    )
    context = {
        "current": [p for p in places if p.is_active],
        "leavers": [p for p in places if not p.is_active],
        "several_settings": len(managed) > 1,
    }
    return render(request, "setting_records/staff_list.html", context)


@require_http_methods(["GET", "POST"])
def staff_invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    _managed_or_404(request)
    form = InviteForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.staff_invite(
                setting=data["setting"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                actor=request.user,
            )
        except WorkflowError as error:
            form.add_error("email", str(error))
        else:
            user = created.user
            if created.link_sent:
                messages.success(
                    request,
                    f"{user} was added to {data['setting']}. A link to choose a password was "
                    f"emailed to {user.email}.",
                )
            else:
                messages.warning(
                    request,
                    f"{user} was added to {data['setting']}, but the email to {user.email} "
                    "could not be sent. Use “Send the link again” below.",
                )
            return redirect("staff:detail", pk=user.pk)
    return render(request, "setting_records/staff_invite.html", {"form": form})


@require_http_methods(["GET"])
def staff_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    places = access.staff_places(request.user, pk)
    member = places[0].user
    for place in places:
        # After a leaving: the children there who had them as key person, now without one.
        place.orphans = (  # type: ignore[attr-defined]
            list(access.former_key_children(request.user, place)) if not place.is_active else []
        )
    context = {
        "member": member,
        "places": places,
        "is_self": member.pk == request.user.pk,
        "has_password": member.has_usable_password(),
        # Links and new places are for current staff only (``access.get_current_staff``): a
        # member who has only left the viewer's settings is shown without them.
        "has_current_place": any(place.is_active for place in places),
    }
    return render(request, "setting_records/staff_detail.html", context)


@require_http_methods(["GET", "POST"])
def staff_add_existing(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Someone on the staff of one setting the user manages joins another of theirs."""
    member = access.get_current_staff(request.user, pk)
    form = AddExistingForm(
        request.POST or None, initial=request.GET.dict(), viewer=request.user, member=member
    )
    if request.method == "POST" and form.is_valid():
        setting = form.cleaned_data["setting"]
        try:
            services.membership_add(
                user=member, setting=setting, role=form.cleaned_data["role"], actor=request.user
            )
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{member} was added to {setting}.")
            return redirect("staff:detail", pk=member.pk)
    return render(
        request, "setting_records/staff_add_existing.html", {"form": form, "member": member}
    )


@require_http_methods(["GET", "POST"])
def staff_role(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    place = access.get_staff_membership(request.user, pk)
    form = RoleForm(request.POST or None, initial={"role": place.role})
    if request.method == "POST" and form.is_valid():
        role = form.cleaned_data["role"]
        try:
            if role == place.role:
                messages.info(request, ALREADY_DONE)
            else:
                services.membership_change_role(membership=place, role=role, actor=request.user)
                messages.success(
                    request, f"{place.user} is now a {place.get_role_display()} at {place.setting}."
                )
        except WorkflowError as error:
            form.add_error("role", str(error))
        else:
            if place.user_id == request.user.pk and role != Role.MANAGER:
                return redirect("home")  # no longer a manager here: the staff pages are gone
            return redirect("staff:detail", pk=place.user_id)
    return render(request, "setting_records/staff_role.html", {"place": place, "form": form})


def _confirm_or_act(
    request: AuthenticatedHttpRequest, place: Membership, template: str, context: dict
) -> HttpResponse | None:
    """None on a POST (the caller acts); the confirmation page on a GET."""
    if request.method == "POST":
        return None
    return render(request, template, {"place": place, **context})


@require_http_methods(["GET", "POST"])
def staff_leave(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark as left, after a confirmation naming what goes: access at once, key children."""
    place = access.get_staff_membership(request.user, pk)
    shown = _confirm_or_act(
        request,
        place,
        "setting_records/staff_leave.html",
        {
            "is_self": place.user_id == request.user.pk,
            # Whether the account is switched off too (``staff_member_leave``).
            "only_place": place.is_active
            and not place.user.is_superuser
            and services.is_only_place(place),
        },
    )
    if shown is not None:
        return shown
    if not place.is_active:
        messages.info(request, ALREADY_DONE)
        return redirect("staff:detail", pk=place.user_id)
    try:
        services.staff_member_leave(membership=place, actor=request.user)
    except WorkflowError as error:
        _refused(request, place, error, done_when_active=False)
    else:
        messages.success(
            request,
            f"{place.user} has left {place.setting}. Their access there ended at once.",
        )
    return redirect("staff:detail", pk=place.user_id)


def _refused(
    request: AuthenticatedHttpRequest,
    place: Membership,
    error: WorkflowError,
    *,
    done_when_active: bool,
) -> None:
    """Say why a service refused, or, when a click just before this one did the same thing
    (the place is now as this click wanted it), that it was already done."""
    place.refresh_from_db(fields=["is_active"])
    if place.is_active == done_when_active:
        messages.info(request, ALREADY_DONE)
    else:
        messages.error(request, str(error))


@require_http_methods(["GET", "POST"])
def staff_return(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Give a leaver their place back (and reactivate their account if it was deactivated)."""
    place = access.get_staff_membership(request.user, pk)
    shown = _confirm_or_act(request, place, "setting_records/staff_return.html", {})
    if shown is not None:
        return shown
    if place.is_active:
        messages.info(request, ALREADY_DONE)
        return redirect("staff:detail", pk=place.user_id)
    try:
        returned = services.staff_member_return(membership=place, actor=request.user)
    except WorkflowError as error:
        _refused(request, place, error, done_when_active=True)
        return redirect("staff:detail", pk=place.user_id)
    messages.success(request, f"{place.user} is back on the staff of {place.setting}.")
    if returned.link_sent is False:
        messages.warning(
            request,
            f"The email with their link to choose a password could not be sent to "
            f"{place.user.email or 'them (no email address)'}. Use “Send the link again”.",
        )
    elif returned.link_sent:
        messages.info(request, "They were emailed a link to choose a new password.")
    return redirect("staff:detail", pk=place.user_id)


@require_http_methods(["GET", "POST"])
def staff_send_link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Email a member of staff a link to choose a password (a new one, or a lost one)."""
    member = access.get_current_staff(request.user, pk)
    if request.method == "GET":
        return render(request, "setting_records/staff_send_link.html", {"member": member})
    try:
        services.password_link_send(user=member, actor=request.user)
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"A link to choose a password was emailed to {member.email}.")
    return redirect("staff:detail", pk=member.pk)
