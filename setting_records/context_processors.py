from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from setting_records.models import Membership


def membership(request: HttpRequest) -> dict[str, object]:
    """The signed-in user's active memberships, fetched only if a template asks for them."""

    def memberships() -> list[Membership]:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return list(user.memberships.filter(is_active=True).select_related("setting"))

    return {"memberships": SimpleLazyObject(memberships)}
