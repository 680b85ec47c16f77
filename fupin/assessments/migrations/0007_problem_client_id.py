"""A problem's client id (issue #14): the id a device or a team's own survey tool gives a suspected
problem, so that a resend is stored once. Nullable: problems raised before have none."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("assessments", "0006_countyresult_history")]

    operations = [
        migrations.AddField(
            model_name="problem",
            name="client_id",
            field=models.UUIDField(
                blank=True,
                editable=False,
                help_text="调查设备或调查工具为该问题生成的编号：重发同一问题只保存一次",
                null=True,
                verbose_name="提出编号",
            ),
        ),
        migrations.AddConstraint(
            model_name="problem",
            constraint=models.UniqueConstraint(
                fields=("campaign", "client_id"), name="problem_client_id_unique_per_campaign"
            ),
        ),
    ]
