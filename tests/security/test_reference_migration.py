"""The data migration gives each setting's counter the highest number its requests already
carry, so that the first request after the upgrade does not repeat a reference."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The schema just before the counters: every app's migrations up to that point, so that the
# models used here have every column the database has.
BEFORE = [
    ("access_requests", "0005_history_reason_text"),
    ("setting_records", "0007_access_log_keyed_chain"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_counters_start_after_each_settings_highest_existing_reference():
    # Every app's latest, not only this app's: the tests after this one need the whole schema.
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate(BEFORE)
    Setting = old.get_model("setting_records", "Setting")
    User = old.get_model("setting_records", "User")
    Child = old.get_model("children", "Child")
    Person = old.get_model("children", "Person")
    AccessRequest = old.get_model("access_requests", "AccessRequest")
    user = User.objects.create(username="manager")
    day = datetime.date(2026, 3, 2)
    made = {}
    # The old global numbering: the two settings' requests interleave in one sequence.
    for number, urn in [(1, "EY1"), (2, "EY2"), (3, "EY1"), (7, "EY2")]:
        setting, _ = Setting.objects.get_or_create(ofsted_urn=urn, defaults={"name": urn})
        child = Child.objects.create(
            setting=setting, first_name="A", last_name=urn, date_of_birth=day, started_on=day
        )
        person = Person.objects.create(setting=setting, first_name="P", last_name=urn)
        AccessRequest.objects.create(
            child=child,
            requester=person,
            received_on=day,
            channel="letter",
            reference=f"AR-2026-{number:04d}",
            created_by=user,
        )
        made[urn] = setting.pk
    AccessRequest.objects.create(
        child=child,
        requester=person,
        received_on=datetime.date(2025, 12, 30),
        channel="letter",
        reference="AR-2025-0042",
        created_by=user,
    )

    new = _migrate(latest)
    Counter = new.get_model("access_requests", "ReferenceCounter")
    counters = {(c.setting_id, c.year): c.last for c in Counter.objects.all()}
    assert counters == {(made["EY1"], 2026): 3, (made["EY2"], 2026): 7, (made["EY2"], 2025): 42}
    requests = new.get_model("access_requests", "AccessRequest").objects.select_related("child")
    assert all(r.setting_id == r.child.setting_id for r in requests)
