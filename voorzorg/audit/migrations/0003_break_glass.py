"""Emergency access (break-the-glass) grants, and the mark on access-log rows written under one.

Adding a nullable column to ``audit_accesslog`` is an ALTER TABLE: it rewrites no row and
fires no row trigger, so the append-only trigger of 0002 stays in place and untouched
(tests/audit/test_break_glass.py checks it on PostgreSQL).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_remove_organisation_organisation_agb_required_and_more'),
        ('audit', '0002_append_only_trigger'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='BreakGlassGrant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('organisation_label', models.CharField(blank=True, max_length=200, verbose_name='organisatie (label)')),
                ('person_id', models.CharField(db_index=True, max_length=16, verbose_name='deelnemernummer')),
                ('reason', models.TextField(verbose_name='reden')),
                ('granted_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='verleend op')),
                ('expires_at', models.DateTimeField(verbose_name='geldig tot')),
                ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='beoordeeld op')),
                ('review_note', models.TextField(blank=True, verbose_name='toelichting beoordeling')),
                ('membership', models.ForeignKey(help_text='De rol waarin de toegang is gevraagd; zonder die rol geldt ze niet.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.membership', verbose_name='rol')),
                ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='beoordeeld door')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='break_glass_grants', to=settings.AUTH_USER_MODEL, verbose_name='beheerder')),
            ],
            options={
                'verbose_name': 'noodtoegang',
                'verbose_name_plural': 'noodtoegang',
                'ordering': ['-granted_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='accesslog',
            name='break_glass_grant',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='audit.breakglassgrant', verbose_name='noodtoegang'),
        ),
        migrations.AddIndex(
            model_name='breakglassgrant',
            index=models.Index(fields=['user', 'person_id', 'expires_at'], name='audit_grant_active'),
        ),
        migrations.AddConstraint(
            model_name='breakglassgrant',
            constraint=models.CheckConstraint(condition=models.Q(('expires_at__gt', models.F('granted_at'))), name='break_glass_expires_after'),
        ),
        migrations.AddConstraint(
            model_name='breakglassgrant',
            constraint=models.CheckConstraint(condition=models.Q(('reviewed_by__isnull', True), models.Q(('reviewed_by', models.F('user')), _negated=True), _connector='OR'), name='break_glass_reviewed_by_another'),
        ),
        migrations.AddConstraint(
            model_name='breakglassgrant',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('reviewed_at__isnull', True), ('reviewed_by__isnull', True)), models.Q(('reviewed_at__isnull', False), ('reviewed_by__isnull', False)), _connector='OR'), name='break_glass_review_complete'),
        ),
    ]
