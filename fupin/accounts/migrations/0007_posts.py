# Issues #16 and #22: the named posts of the 3342 chain, held by one user for a term.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_people_must_change_password"),
        ("regions", "0002_region_coordinates"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Post",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("village_secretary", "村党支部书记"),
                            ("village_head", "村委会主任"),
                            ("work_team_leader", "驻村帮扶工作队队长"),
                            ("township_secretary", "乡镇党委书记"),
                            ("township_head", "乡镇长"),
                            ("township_station_head", "乡镇扶贫工作站站长"),
                            ("county_secretary", "县委书记"),
                            ("county_head", "县长"),
                            ("county_office_head", "县扶贫办主任"),
                            ("county_statistics_head", "县统计局局长"),
                            ("city_secretary", "市(州)委书记"),
                            ("city_head", "市(州)长"),
                        ],
                        max_length=32,
                        verbose_name="职务",
                    ),
                ),
                ("start_date", models.DateField(verbose_name="任职日期")),
                ("end_date", models.DateField(blank=True, null=True, verbose_name="离任日期")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="登记时间")),
                (
                    "granted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="任命登记人",
                    ),
                ),
                (
                    "holder",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="posts",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="任职人",
                    ),
                ),
                (
                    "region",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="regions.region",
                        verbose_name="所在区划",
                    ),
                ),
            ],
            options={
                "verbose_name": "职务任期",
                "verbose_name_plural": "职务任期",
                "ordering": ["region_id", "kind", "-start_date", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("end_date__isnull", True)),
                        fields=("region", "kind"),
                        name="post_one_open_term",
                    )
                ],
            },
        ),
    ]
