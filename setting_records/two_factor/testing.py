"""For the test client and the page benchmark, which log in with ``Client.force_login``."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from setting_records.models import User
from setting_records.two_factor.policy import second_factor


def pass_second_step(client: Client, user: User) -> None:
    """Mark the client's session as past the second step, when ``user`` needs one.

    Uses the user's own device, or sets one up for the purpose. Call after ``force_login``.
    """
    if not second_factor(user).required:
        return
    device = next(devices_for_user(user), None) or TOTPDevice.objects.create(
        user=user, name="Test device", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
