"""Handing over the copy (P9): what stands in the way, who may receive it, and exactly one
release, stored with its SHA-256."""

import hashlib
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from access_requests.models import (
    RELEASE_STATES,
    SECURE_ROUTES,
    AccessRequest,
    Helper,
    Meeting,
    PackRelease,
    ReleaseRoute,
    State,
)
from access_requests.services.frozen import changes_since_preparation, current_frozen, pack_content
from access_requests.services.meetings import flag_blockers
from access_requests.services.workflow import (
    _locked,
    _move,
    _requester_may_receive,
    _require_manager,
)
from children.models import Person
from setting_records import access_log
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import AccessAction, User


def release_blockers(request: AccessRequest, *, changes: list[str] | None = None) -> list[str]:
    """What stands between this request and handing over a copy (P9, P12), in words.

    ``access_requests.models.releasable`` is the same rule in SQL, for lists (the dashboard),
    but for the changes since preparation; ``tests/access_requests/test_releasable.py`` keeps
    the two in step.

    ``changes`` is ``changes_since_preparation(request)`` when the caller has it already: it
    rebuilds the whole pack to compare, so a page works it out once.
    """
    blockers = []
    meeting = Meeting.objects.filter(request=request).first()
    if request.state == State.MEETING_DECLINED:
        pass  # the offer meets the policy; route and letter are checked at release
    elif request.state != State.MEETING_HELD:
        blockers.append("The copy is released only after the meeting is recorded as held.")
    if request.state != State.MEETING_DECLINED and (
        meeting is None or not meeting.contents_explained
    ):
        blockers.append("The contents have not been explained to the parent.")
    if request.state in RELEASE_STATES:
        if current_frozen(request) is None:
            blockers.append("The pack was not fixed for the meeting: prepare it again.")
        elif changes := (changes_since_preparation(request) if changes is None else changes):
            blockers.append(
                f"{len(changes)} change{'s' if len(changes) > 1 else ''} since preparation: "
                "prepare the information again so that nothing goes out undiscussed."
            )
    blockers.extend(flag_blockers(request))
    if refusal := _requester_may_receive(request):
        blockers.append(refusal)
    return blockers


def pack_path(release_file_name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "packs" / release_file_name


def released_bytes(release: PackRelease) -> bytes | None:
    """The stored copy, only if it is still exactly what was released."""
    try:
        pdf = pack_path(release.file_name).read_bytes()
    except OSError:
        return None
    return pdf if hashlib.sha256(pdf).hexdigest() == release.sha256 else None


def recipients(request: AccessRequest) -> list[Person | Helper]:
    """Who a copy may go to: the requester, or their legal representative recorded on the
    request (P8-P9)."""
    representatives = request.helpers.filter(role=Helper.Role.LEGAL_REPRESENTATIVE)
    return [request.requester, *representatives.order_by("pk")]


@transaction.atomic
def pack_release(
    *,
    request: AccessRequest,
    actor: User,
    recipient_person: Person | None = None,
    recipient_helper: Helper | None = None,
    route: str = ReleaseRoute.AT_MEETING,
    explanatory_letter: bool = False,
) -> PackRelease:
    """Exactly one release per request, even under double clicks and concurrent requests.

    The request row is locked (PostgreSQL) or the write lock held (SQLite) while the state is
    checked, and the release's one-to-one key refuses a second row whatever happens. The copy is
    the pack fixed for the meeting, with the recipient's name.
    """
    # Imported here: WeasyPrint takes about 2 s to import, so only what renders a PDF pays.
    from access_requests.pdf import render_pack

    request = _locked(request)
    _require_manager(actor, request.child)
    if PackRelease.objects.filter(request=request).exists():
        raise WorkflowError("The copy has already been released.")
    if blockers := release_blockers(request):
        raise WorkflowError(" ".join(blockers))
    if (recipient_person is None) == (recipient_helper is None):
        raise WorkflowError("Choose who the copy goes to.")
    if recipient_person is not None and recipient_person.pk != request.requester_id:
        raise WorkflowError("The copy goes to the requester or their legal representative.")
    if recipient_helper is not None and (
        recipient_helper.request_id != request.pk
        or recipient_helper.role != Helper.Role.LEGAL_REPRESENTATIVE
    ):
        raise WorkflowError("The copy goes to the requester or their legal representative.")
    if route not in ReleaseRoute.values:
        raise WorkflowError("Say how the copy is handed over.")
    if request.state == State.MEETING_DECLINED:
        if route not in SECURE_ROUTES:
            raise WorkflowError("Without a meeting the copy goes by a secure route.")
        if not explanatory_letter:
            raise WorkflowError(
                "Without a meeting an explanatory letter goes with the copy (UK GDPR Art. 12(3))."
            )
    elif route == ReleaseRoute.AT_MEETING and request.state != State.MEETING_HELD:
        raise WorkflowError("The copy was not handed over at a meeting.")
    released_to = recipient_helper.name if recipient_helper is not None else str(recipient_person)
    frozen = current_frozen(request)
    content = pack_content(request, prepared_for=released_to, watermark=None)
    pdf = render_pack(content)
    digest = hashlib.sha256(pdf).hexdigest()
    file_name = f"{request.reference}-{digest[:16]}.pdf"
    path = pack_path(file_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with transaction.atomic():
            release = PackRelease(
                request=request,
                released_by=actor,
                released_to=released_to,
                recipient_person=recipient_person,
                recipient_helper=recipient_helper,
                route=route,
                explanatory_letter=explanatory_letter,
                frozen=frozen,
                sha256=digest,
                file_name=file_name,
                size=len(pdf),
            )
            save_as(release, actor=actor, reason="Copy released")
    except IntegrityError:
        raise WorkflowError("The copy has already been released.") from None
    path.write_bytes(pdf)
    _move(request, State.COPY_RELEASED, actor=actor, reason="Copy released")
    access_log.append(
        action=AccessAction.PACK_RELEASED,
        actor=actor,
        child=request.child,
        detail={
            "request": request.pk,
            "sha256": digest,
            "released_to": released_to,
            "route": route,
            "frozen_sha256": frozen.sha256 if frozen else None,
        },
    )
    return release
