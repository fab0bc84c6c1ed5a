from functools import cache

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from setting_records.models import Membership


def membership(request: HttpRequest) -> dict[str, object]:
    """The signed-in user's active memberships, fetched once and only if a template asks."""

    @cache
    def memberships() -> list[Membership]:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return list(user.memberships.filter(is_active=True).select_related("setting"))

    return {
        "memberships": SimpleLazyObject(memberships),
        # Only shows or hides links: every manager page checks the policy itself.
        "is_manager": SimpleLazyObject(lambda: any(m.is_manager for m in memberships())),
    }
