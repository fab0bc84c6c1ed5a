"""Give existing requests their setting, and each setting's counters the highest number its
requests already carry in each year, so the next reference follows on and never repeats one."""

import re

from django.db import migrations

REFERENCE = re.compile(r"^AR-(\d{4})-(\d+)$")


def fill(apps, schema_editor):
    AccessRequest = apps.get_model("access_requests", "AccessRequest")
    ReferenceCounter = apps.get_model("access_requests", "ReferenceCounter")
    highest: dict[tuple[int, int], int] = {}
    for request in AccessRequest.objects.select_related("child").order_by("pk"):
        request.setting_id = request.child.setting_id
        request.save(update_fields=["setting"])
        if match := REFERENCE.match(request.reference):
            key = (request.setting_id, int(match[1]))
            highest[key] = max(highest.get(key, 0), int(match[2]))
    for (setting_id, year), last in highest.items():
        ReferenceCounter.objects.update_or_create(
            setting_id=setting_id, year=year, defaults={"last": last}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("access_requests", "0006_reference_counter_per_setting"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
