"""From an access request to the PDF a parent (or the manager, as a working copy) receives."""

from django.utils import timezone

from access_requests.models import AccessRequest, Meeting, WithholdReason
from children.models import RecordKind

WORKING_COPY = "Working copy — not to be handed over"


def content_for(request: AccessRequest, *, prepared_for: str, watermark: str | None):
    from access_requests.pdf import PackContent, PackEntry

    entries = (
        request.entries.filter(included=True)
        .select_related("record", "record__author")
        .order_by("record__occurred_at", "record__pk")
    )
    kind_order = {value: index for index, value in enumerate(RecordKind.values)}
    pack_entries = []
    for entry in sorted(entries, key=lambda e: kind_order.get(e.record.kind, 99)):
        record = entry.record
        pack_entries.append(
            PackEntry(
                title=record.title,
                kind_label=str(record.get_kind_display()),
                occurred_at=record.occurred_at,
                author_name=str(record.author),
                nature_label=str(record.get_nature_display()),
                # A withheld third party is not named either: who said it can identify them.
                source_label=(
                    "The setting"
                    if not record.is_third_party
                    else "A third party"
                    if entry.withheld
                    else record.third_party_label
                ),
                body=record.body,
                withheld_reason=(
                    str(WithholdReason(entry.withhold_reason).label) if entry.withheld else None
                ),
            )
        )
    meeting = Meeting.objects.filter(request=request).select_related("run_by").first()
    return PackContent(
        reference=request.reference,
        child_name=str(request.child),
        child_date_of_birth=request.child.date_of_birth,
        prepared_for=prepared_for,
        prepared_by=str(meeting.run_by) if meeting else str(request.created_by),
        meeting_date=timezone.localdate(meeting.scheduled_at) if meeting else None,
        setting_name=request.child.setting.name,
        watermark=watermark,
        entries=pack_entries,
    )


def render_for(request: AccessRequest, *, prepared_for: str, watermark: str | None) -> bytes:
    from access_requests.pdf import render_pack

    return render_pack(content_for(request, prepared_for=prepared_for, watermark=watermark))
