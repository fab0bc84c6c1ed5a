"""What a person needs to add the app: a new secret, its QR code and its text form."""

import base64
import io
import secrets

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice

from setting_records.models import User

# RFC 4226 recommends a 160-bit shared secret; django-otp's own default is the same.
KEY_BYTES = 20


def new_key() -> str:
    """A fresh secret, hex-encoded as django-otp stores it."""
    return secrets.token_hex(KEY_BYTES)


def candidate(user: User, key: str) -> TOTPDevice:
    """The device the person is about to confirm (not saved: it exists once confirmed)."""
    return TOTPDevice(user=user, key=key, name="Authenticator app", confirmed=False)


def secret_text(key: str) -> str:
    """The secret as authenticator apps take it typed in: base32, in groups of four."""
    encoded = base64.b32encode(bytes.fromhex(key)).decode().rstrip("=")
    return " ".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))


def qr_svg(user: User, key: str) -> bytes:
    """The ``otpauth://`` link as a QR code, drawn here as SVG: nothing is sent anywhere."""
    out = io.BytesIO()
    code = segno.make(candidate(user, key).config_url, error="m")
    code.save(out, kind="svg", border=4, omitsize=True, xmldecl=False, title="QR code")
    return out.getvalue()
