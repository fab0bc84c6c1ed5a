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
