"""The Norm model moves here from monitoring, beside the region it belongs to.

State only: the table ``monitoring_norm`` and its rows stay exactly as they are (the
model keeps ``db_table``). monitoring's 0003 removes the model from its own state
afterwards; this migration runs after monitoring's table exists.
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_remove_organisation_organisation_agb_required_and_more"),
        ("monitoring", "0002_indicatorvalue_region"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Norm",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="aangemaakt op"),
                        ),
                        (
                            "updated_at",
                            models.DateTimeField(auto_now=True, verbose_name="gewijzigd op"),
                        ),
                        (
                            "aanmeld_days",
                            models.PositiveSmallIntegerField(
                                default=28,
                                validators=[django.core.validators.MinValueValidator(1)],
                                verbose_name="aanmeldwachttijd (dagen)",
                            ),
                        ),
                        (
                            "behandel_days",
                            models.PositiveSmallIntegerField(
                                default=70,
                                validators=[django.core.validators.MinValueValidator(1)],
                                verbose_name="behandelwachttijd (dagen)",
                            ),
                        ),
                        (
                            "total_days",
                            models.PositiveSmallIntegerField(
                                default=98,
                                validators=[django.core.validators.MinValueValidator(1)],
                                verbose_name="totale wachttijd (dagen)",
                            ),
                        ),
                        (
                            "region",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="norm",
                                to="accounts.region",
                                verbose_name="regio",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "Treeknorm",
                        "verbose_name_plural": "Treeknormen",
                        "db_table": "monitoring_norm",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
