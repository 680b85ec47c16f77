# Issue #16: a signature names the post it was signed in, and a stand-in's holder and reason.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exits", "0003_exitcase_assessment_result"),
        ("accounts", "0007_posts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="signature",
            name="post",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.post",
                verbose_name="所签职务",
            ),
        ),
        migrations.AddField(
            model_name="signature",
            name="stand_in_for",
            field=models.ForeignKey(
                blank=True,
                help_text="由他人代签时为该职务的现任任职人",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="被代签人",
            ),
        ),
        migrations.AddField(
            model_name="signature",
            name="stand_in_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="代签事由"),
        ),
    ]
