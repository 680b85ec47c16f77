"""Evaluators (issue #14 item 4): the training exam (通过考试; who has not passed cannot be assigned),
their mobile number from the roster, and the provinces whose own assessment an institution took
part in (the third avoidance rule applies to institutions as well as people)."""

from django.db import migrations, models

import fupin.assessments.models.evaluators


def _exam():
    return models.BooleanField(
        default=False, help_text="未通过培训考试的人员不能分派", verbose_name="通过考试"
    )


def _phone():
    return models.CharField(blank=True, max_length=11, verbose_name="手机号")


class Migration(migrations.Migration):
    dependencies = [("assessments", "0007_problem_client_id")]

    operations = [
        migrations.AddField(model_name="enumerator", name="exam_passed", field=_exam()),
        migrations.AddField(model_name="enumerator", name="phone", field=_phone()),
        migrations.AddField(model_name="expert", name="exam_passed", field=_exam()),
        migrations.AddField(model_name="expert", name="phone", field=_phone()),
        migrations.AddField(
            model_name="institution",
            name="took_part_in",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="机构承担过其本省自评估的省份：评估这些省份时须回避",
                validators=[fupin.assessments.models.evaluators.validate_province_list],
                verbose_name="参与过本省评估的省份",
            ),
        ),
    ]
