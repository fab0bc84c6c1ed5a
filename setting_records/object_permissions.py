"""django-guardian's per-object permission rows, as direct foreign keys.

Direct-FK tables are joined on integer keys and answer "what may this user see" in one indexed
query; guardian's generic tables compare ``id::varchar`` and scan. Only ``access.py`` reads or
writes these rows: they are an index of the domain facts (managers, key persons, care teams)
that the services in each app keep in step.
"""

from django.db import models
from guardian.models import UserObjectPermissionBase


class SettingUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey("setting_records.Setting", on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False


class ChildUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey("children.Child", on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False
