"""The times these records are stamped with are a default rather than auto_now_add (#13): a
simulated run passes its clock (`now=`). State only: auto_now_add has no database default, so
nothing changes in the database."""

import django.utils.timezone
from django.db import migrations, models


def _at(label):
    return models.DateTimeField(
        default=django.utils.timezone.now, editable=False, verbose_name=label
    )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0004_steps_transitionrow")]

    operations = [
        migrations.AlterField("campaign", "created_at", _at("创建时间")),
        migrations.AlterField("draw", "created_at", _at("抽样时间")),
        migrations.AlterField("assignment", "created_at", _at("分派时间")),
        migrations.AlterField("departmentreport", "recorded_at", _at("录入时间")),
        migrations.AlterField("unannouncedfinding", "recorded_at", _at("录入时间")),
        migrations.AlterField("feedbacklist", "created_at", _at("制作时间")),
        migrations.AlterField("countyresult", "computed_at", _at("计算时间")),
        migrations.AlterField("countydecision", "decided_at", _at("决定时间")),
        migrations.AlterField("questionnaire", "created_at", _at("创建时间")),
        migrations.AlterField("submission", "received_at", _at("接收时间")),
        migrations.AlterField("evidence", "received_at", _at("接收时间")),
        migrations.AlterField("problem", "raised_at", _at("提出时间")),
        migrations.AlterField("problemexplanation", "at", _at("时间")),
    ]
