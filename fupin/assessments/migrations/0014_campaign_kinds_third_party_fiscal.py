# The third-party assessment and the fiscal-fund performance evaluation as campaign kinds (issue
# #17 item 6): their sampled counties of a year and the cross-assessment's should not overlap.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0013_standard_and_recheck_checks"),
    ]

    operations = [
        migrations.AlterField(
            model_name="campaign",
            name="kind",
            field=models.CharField(
                choices=[
                    ("county_exit_assessment", "贫困县退出专项评估检查"),
                    ("central_spot_check", "中央抽查"),
                    ("provincial_performance", "省级党委和政府扶贫开发工作成效考核"),
                    ("cross_assessment", "省际交叉考核"),
                    ("unannounced_visit", "暗访"),
                    ("third_party_assessment", "第三方评估"),
                    ("fiscal_fund_evaluation", "财政专项扶贫资金绩效评价"),
                ],
                max_length=32,
                verbose_name="类型",
            ),
        ),
    ]
