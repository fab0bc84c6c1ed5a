"""The family register's pages: correct a person or a connection, end a connection.

Managers of the child's setting only, as for adding to the register (``ChildRights.manage``);
anyone who may not see the child gets a 404 (``access.get_connection``).
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from children import register
from children.forms import ConnectionEditForm, ConnectionEndForm, PersonEditForm
from setting_records import access
from setting_records.errors import WorkflowError
from setting_records.http import AuthenticatedHttpRequest


@require_http_methods(["GET", "POST"])
def connection_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    connection = access.get_connection(request.user, pk, "manage")
    child = connection.child
    if not connection.is_current:
        messages.info(request, "That connection has ended: it is kept as it was.")
        return redirect(child)
    form = ConnectionEditForm(request.POST or None, instance=connection)
    if request.method == "POST" and form.is_valid():
        try:
            register.connection_update(
                connection=connection, actor=request.user, **form.service_fields()
            )
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Register entry saved.")
            return redirect(child)
    context = {"form": form, "child": child, "connection": connection}
    return render(request, "children/connection_edit.html", context)


@require_http_methods(["GET", "POST"])
def person_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    connection = access.get_connection(request.user, pk, "manage")
    child, person = connection.child, connection.person
    form = PersonEditForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            register.person_update(person=person, actor=request.user, **form.service_fields())
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Details saved.")
            return redirect(child)
    context = {"form": form, "child": child, "connection": connection}
    return render(request, "children/person_form.html", context)


@require_http_methods(["GET", "POST"])
def connection_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    connection = access.get_connection(request.user, pk, "manage")
    child = connection.child
    if not connection.is_current:
        messages.info(request, "That connection has already ended.")
        return redirect(child)
    form = ConnectionEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            register.connection_end(
                connection=connection,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                ended_on=form.cleaned_data["ended_on"],
            )
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{connection.person}'s connection has been ended.")
            return redirect(child)
    context = {"form": form, "child": child, "connection": connection}
    return render(request, "children/connection_end.html", context)
