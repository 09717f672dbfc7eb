"""Norm now lives in accounts (``voorzorg.accounts.models.Norm``), beside the region.

State only: the table ``monitoring_norm`` and its rows stay; accounts' 0003 took the
model over with the same ``db_table``.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0002_indicatorvalue_region"),
        ("accounts", "0003_norm"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Norm")],
            database_operations=[],
        ),
    ]
