def test_admin_refuses_staff_who_are_not_superusers(client, manager):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_opens_for_a_superuser(client, superuser):
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200


def test_admin_cannot_delete_staff_accounts(client, superuser, practitioner):
    client.force_login(superuser)
    url = f"/admin/setting_records/user/{practitioner.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert type(practitioner).objects.filter(pk=practitioner.pk).exists()


def test_admin_offers_no_history_revert(client, superuser, setting):
    setting.name = "Renamed"
    setting.save()
    first = setting.history.earliest()
    client.force_login(superuser)
    url = f"/admin/setting_records/setting/{setting.pk}/history/{first.history_id}/"
    response = client.post(url, {"name": "Little Acorns Nursery", "ofsted_urn": "EY100001"})
    assert response.status_code == 403
    setting.refresh_from_db()
    assert setting.name == "Renamed"


def test_admin_membership_inline_is_read_only(client, superuser, practitioner, setting):
    """The user page shows memberships; a role posted through it changes nothing."""
    from setting_records import access

    membership = practitioner.memberships.get()
    client.force_login(superuser)
    url = f"/admin/setting_records/user/{practitioner.pk}/change/"
    page = client.get(url)
    form = page.context["adminform"].form
    data = {key: value for key, value in form.initial.items() if key in form.fields}
    data |= {
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": membership.pk,
        "memberships-0-user": practitioner.pk,
        "memberships-0-setting": setting.pk,
        "memberships-0-role": "manager",
        "memberships-0-is_active": "on",
        "memberships-1-user": practitioner.pk,
        "memberships-1-setting": setting.pk,
        "memberships-1-role": "manager",
    }
    data = {k: v for k, v in data.items() if v is not False}
    response = client.post(url, data)
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "practitioner"
    assert practitioner.memberships.count() == 1
    assert not access.manages(practitioner, setting.pk)
