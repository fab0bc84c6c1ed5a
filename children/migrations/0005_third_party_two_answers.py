"""Two recorded answers for third-party information (policy P6): the party who shared it and
the person it is about, each with who checked and when.

An entry checked before this had one answer for both: each party's answer becomes that answer,
checked by the same person at the same time. Its history rows get the same, so that the first
version written after this migration does not show the answers as newly given.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def both_answers_from_the_one(apps, schema_editor):
    for name in ("Record", "HistoricalRecord"):
        model = apps.get_model("children", name)
        checked = model.objects.filter(third_party_confidential__isnull=False)
        # A data step on rows that already exist: nothing is created, so there is no new
        # history to write (history is what is being brought up to date here).
        checked.update(
            sharer_confidential=models.F("third_party_confidential"),
            sharer_checked_by=models.F("confidentiality_checked_by"),
            sharer_checked_at=models.F("confidentiality_checked_at"),
            subject_confidential=models.F("third_party_confidential"),
            subject_checked_by=models.F("confidentiality_checked_by"),
            subject_checked_at=models.F("confidentiality_checked_at"),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("children", "0004_statements_sharing_disputed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalrecord",
            name="sharer_checked_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="historicalrecord",
            name="sharer_checked_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="historicalrecord",
            name="sharer_confidential",
            field=models.BooleanField(
                blank=True,
                editable=False,
                help_text="Did the person or agency who shared this ask for it to be kept confidential? Empty until someone has checked.",
                null=True,
                verbose_name="confidential for the person who shared it",
            ),
        ),
        migrations.AddField(
            model_name="historicalrecord",
            name="subject_checked_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="historicalrecord",
            name="subject_checked_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="historicalrecord",
            name="subject_confidential",
            field=models.BooleanField(
                blank=True,
                editable=False,
                help_text="Would the person it is about expect it to be kept confidential? Empty until someone has checked.",
                null=True,
                verbose_name="confidential for the person it is about",
            ),
        ),
        migrations.AddField(
            model_name="record",
            name="sharer_checked_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="record",
            name="sharer_checked_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="record",
            name="sharer_confidential",
            field=models.BooleanField(
                blank=True,
                editable=False,
                help_text="Did the person or agency who shared this ask for it to be kept confidential? Empty until someone has checked.",
                null=True,
                verbose_name="confidential for the person who shared it",
            ),
        ),
        migrations.AddField(
            model_name="record",
            name="subject_checked_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="record",
            name="subject_checked_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="record",
            name="subject_confidential",
            field=models.BooleanField(
                blank=True,
                editable=False,
                help_text="Would the person it is about expect it to be kept confidential? Empty until someone has checked.",
                null=True,
                verbose_name="confidential for the person it is about",
            ),
        ),
        migrations.AlterField(
            model_name="historicalrecord",
            name="third_party_confidential",
            field=models.BooleanField(
                blank=True,
                editable=False,
                help_text="Confidential for the person who shared it or for the person it is about. Empty until both have been checked, unless one already says confidential.",
                null=True,
                verbose_name="confidential third-party information",
            ),
        ),
        migrations.AlterField(
            model_name="record",
            name="third_party_confidential",
            field=models.BooleanField(
                blank=True,
                editable=False,
                help_text="Confidential for the person who shared it or for the person it is about. Empty until both have been checked, unless one already says confidential.",
                null=True,
                verbose_name="confidential third-party information",
            ),
        ),
        migrations.RunPython(both_answers_from_the_one, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="historicalrecord",
            name="confidentiality_checked_at",
        ),
        migrations.RemoveField(
            model_name="historicalrecord",
            name="confidentiality_checked_by",
        ),
        migrations.RemoveField(
            model_name="record",
            name="confidentiality_checked_at",
        ),
        migrations.RemoveField(
            model_name="record",
            name="confidentiality_checked_by",
        ),
    ]
