"""Signals: the one this app sends, and the sign-ins and sign-outs it hears.

Sign-ins and sign-outs go into the access log (what each leaves there: login_log.py). Django's
auth views are not ours to wrap, so its signals are the one place to hear of them.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from setting_records import access_log, login_log
from setting_records.models import AccessAction

# Sent by ``services.membership_end`` inside its transaction, with ``user``, ``setting`` and
# ``actor``, once the leaver's membership is closed. The apps above this one (children) clear
# what the leaver held there; this app cannot call them without importing back up into them.
staff_left = Signal()


@receiver(user_logged_in, dispatch_uid="access_log_login")
def log_login(sender, request, user, **kwargs):
    login_log.login_succeeded(user=user)


@receiver(user_logged_out, dispatch_uid="access_log_logout")
def log_logout(sender, request, user, **kwargs):
    if user is not None:
        access_log.append(action=AccessAction.LOGOUT, actor=user)


@receiver(user_login_failed, dispatch_uid="access_log_login_failed")
def log_login_failed(sender, credentials, request=None, **kwargs):
    # django-axes marks an attempt it refused because of a lockout before this is sent.
    login_log.login_failed(
        username=credentials.get("username"),
        refused_by_lockout=bool(getattr(request, "axes_locked_out", False)),
    )


@receiver(user_locked_out, dispatch_uid="access_log_locked_out")
def log_locked_out(sender, request, username, ip_address, **kwargs):
    # ``username`` is axes' keyed hash (axes_username.py); the name as typed is in the
    # credentials axes keeps on the request, so that a known user is logged as that user.
    credentials = getattr(request, "axes_credentials", None)
    typed = credentials.get("username") if credentials else username
    login_log.locked_out(username=typed, ip_address=ip_address or "", request=request)
