"""What sign-in attempts leave in the access log, without making the permanent log a dustbin.

- A failed login for a username that exists is logged against that user, with nothing typed.
  For one that does not exist only a keyed hash of what was typed is kept, never the text:
  people type passwords into the username box, and the log keeps no more personal data than
  it needs (UK GDPR Art. 5(1)(c), data minimisation). The hash still lets an investigator see
  that the same unknown name was tried again, and check a name they suspect (with the key).
- A lockout is one LOCKED_OUT row when it begins. Attempts refused while it lasts are counted
  in ``LockoutTally`` and written as one LOCKOUT_ATTEMPTS row, with the count, at the next
  event for that username (a sign-in, a failure after the lockout, or a new lockout).

``signals.py`` hears the events (from Django's auth and django-axes) and calls these.
"""

from dataclasses import dataclass
from typing import Any

from axes.helpers import get_cool_off
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from setting_records import access_log, log_key
from setting_records.models import AccessAction, LockoutTally, User

USERNAME_MAX = User._meta.get_field("username").max_length or 150


def _could_be_a_username(text: str) -> bool:
    """Text no username can be is never looked up: the databases refuse NUL bytes and text
    that is not UTF-8 outright."""
    if not text or len(text) > USERNAME_MAX or "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class Subject:
    """Who a sign-in event is about: a known user, or only the keyed hash of a typed name."""

    user: User | None
    username_mac: str

    @classmethod
    def typed(cls, username: Any) -> "Subject":
        text = "" if username is None else str(username)
        user = User.objects.filter(username=text).first() if _could_be_a_username(text) else None
        return cls(user=user, username_mac=log_key.mac("username", text))

    @property
    def detail(self) -> dict[str, str]:
        return {} if self.user is not None else {"username_hmac": self.username_mac}


def _close_tally(subject: Subject) -> None:
    """Write what the last lockout refused, if anything, and forget it."""
    tally = LockoutTally.objects.select_for_update().filter(username_mac=subject.username_mac)
    for counted in tally:
        _write_tally(subject, counted)
        counted.delete()


def _write_tally(subject: Subject, tally: LockoutTally) -> None:
    if tally.refused:
        access_log.append(
            action=AccessAction.LOCKOUT_ATTEMPTS,
            actor=subject.user,
            detail=subject.detail
            | {"refused": tally.refused, "since": tally.started_at.isoformat()},
        )


@transaction.atomic
def login_succeeded(*, user: User) -> None:
    _close_tally(Subject(user=user, username_mac=log_key.mac("username", user.get_username())))
    access_log.append(action=AccessAction.LOGIN, actor=user)


@transaction.atomic
def login_failed(*, username: Any, refused_by_lockout: bool) -> None:
    """A wrong password, or an attempt refused by a lockout (counted by ``locked_out``, which
    django-axes signals for the same attempt)."""
    if refused_by_lockout:
        return
    subject = Subject.typed(username)
    _close_tally(subject)
    access_log.append(action=AccessAction.LOGIN_FAILED, actor=subject.user, detail=subject.detail)


@transaction.atomic
def locked_out(*, username: Any, ip_address: str, request=None) -> None:
    """django-axes says this username is locked out: when the lockout begins (one row) and at
    every attempt refused while it lasts (counted)."""
    subject = Subject.typed(username)
    now = timezone.now()
    tally, created = LockoutTally.objects.select_for_update().get_or_create(
        username_mac=subject.username_mac, defaults={"started_at": now}
    )
    if not created:
        cool_off = get_cool_off(request)
        if cool_off is None or tally.started_at + cool_off > now:
            tally.refused = F("refused") + 1
            tally.save(update_fields=["refused"])
            return
        # The lockout this tally counted is over: write it, and count the new one afresh.
        _write_tally(subject, tally)
        tally.started_at, tally.refused = now, 0
        tally.save(update_fields=["started_at", "refused"])
    access_log.append(
        action=AccessAction.LOCKED_OUT,
        actor=subject.user,
        detail=subject.detail | {"ip_address": ip_address},
    )
