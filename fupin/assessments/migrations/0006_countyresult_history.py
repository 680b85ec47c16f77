"""Recomputing a county's figures appends new rows and keeps the earlier ones (issue #14, item 8):
`current` marks the rows in force, unique per (campaign, county, figure) among current rows only."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("assessments", "0005_clock_defaults")]

    operations = [
        migrations.AlterModelOptions(
            name="countyresult",
            options={
                "ordering": ["campaign_id", "county__code", "figure", "computed_at", "id"],
                "verbose_name": "县级指标",
                "verbose_name_plural": "县级指标",
            },
        ),
        migrations.RemoveConstraint(model_name="countyresult", name="countyresult_unique"),
        migrations.AddField(
            model_name="countyresult",
            name="current",
            field=models.BooleanField(default=True, verbose_name="现行"),
        ),
        migrations.AddConstraint(
            model_name="countyresult",
            constraint=models.UniqueConstraint(
                condition=models.Q(("current", True)),
                fields=("campaign", "county", "figure"),
                name="countyresult_current_unique",
            ),
        ),
    ]
