"""One-time submission keys on disclosures and parents' statements: a double click or a resent
form finds the row its first submission made instead of recording the same thing twice. Rows
recorded before this have none (NULL, which the unique constraint allows any number of)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('children', '0005_third_party_two_answers'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalinformationsharing',
            name='submission_key',
            field=models.UUIDField(blank=True, db_index=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='historicalparentstatement',
            name='submission_key',
            field=models.UUIDField(blank=True, db_index=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='informationsharing',
            name='submission_key',
            field=models.UUIDField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='parentstatement',
            name='submission_key',
            field=models.UUIDField(blank=True, editable=False, null=True, unique=True),
        ),
    ]
