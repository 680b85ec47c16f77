"""AuditEntry, moved from the registry app (issue #13): state only, the table stays.

The model takes over the existing table `registry_auditentry`, so no row is copied or rewritten.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("registry", "0007_auditentry_to_accounts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
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
                            "at",
                            models.DateTimeField(
                                auto_now_add=True, db_index=True, verbose_name="时间"
                            ),
                        ),
                        (
                            "actor",
                            models.CharField(
                                help_text="用户名或命令名", max_length=64, verbose_name="操作人"
                            ),
                        ),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("create", "新增"),
                                    ("update", "修改"),
                                    ("delete", "删除"),
                                    ("event", "状态变更"),
                                    ("view_id", "查看完整身份证号"),
                                    ("import", "导入"),
                                    ("grant", "授予角色"),
                                    ("revoke", "撤销角色"),
                                    ("login", "登录"),
                                    ("login_fail", "登录失败"),
                                    ("submit", "提交问卷"),
                                    ("token", "API 令牌"),
                                ],
                                max_length=10,
                                verbose_name="操作",
                            ),
                        ),
                        ("model", models.CharField(max_length=32, verbose_name="对象类型")),
                        (
                            "object_key",
                            models.CharField(db_index=True, max_length=32, verbose_name="对象"),
                        ),
                        ("before", models.JSONField(blank=True, null=True, verbose_name="修改前")),
                        ("after", models.JSONField(blank=True, null=True, verbose_name="修改后")),
                        ("note", models.CharField(blank=True, max_length=200, verbose_name="说明")),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "household",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="audit",
                                to="registry.household",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "审计记录",
                        "verbose_name_plural": "审计记录",
                        "ordering": ["-at", "-id"],
                        "db_table": "registry_auditentry",
                    },
                ),
            ],
            database_operations=[],
        )
    ]
