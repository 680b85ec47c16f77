# Issue #16: a county exit links the decided county result of an assessment campaign (its
# 专项评估检查), and the county procedure gains that step's status.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exits", "0002_exitstep_transitionrow"),
        ("assessments", "0008_evaluators_exam_passed"),
    ]

    operations = [
        migrations.AddField(
            model_name="exitcase",
            name="assessment_result",
            field=models.ForeignKey(
                blank=True,
                help_text="贫困县退出：评估任务对该县作出的县级结果，三率一度由此读取",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="exit_cases",
                to="assessments.countydecision",
                verbose_name="专项评估检查结果",
            ),
        ),
        migrations.AlterField(
            model_name="exitcase",
            name="status",
            field=models.CharField(
                choices=[
                    ("proposed", "拟退出"),
                    ("verified", "已核实"),
                    ("agreed", "贫困户已认可"),
                    ("city_reviewed", "市级初审通过"),
                    ("province_verified", "省级核查通过"),
                    ("assessed", "专项评估检查通过"),
                    ("in_notice", "公示中"),
                    ("noticed", "公示无异议"),
                    ("announced", "已公告退出"),
                    ("exited", "已销号"),
                    ("approved", "省级批准退出"),
                    ("terminated", "已终止"),
                ],
                default="proposed",
                max_length=20,
                verbose_name="状态",
            ),
        ),
    ]
