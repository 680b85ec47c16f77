"""Install questionnaire v2 (recognition as seed 004 defines it); v1 stays for its submissions."""

from django.db import migrations

from fupin.assessments.migrations._questionnaire_v2 import SCHEMA_V2


def forwards(apps, schema_editor):
    Questionnaire = apps.get_model("assessments", "Questionnaire")
    Questionnaire.objects.get_or_create(
        version=SCHEMA_V2["version"], defaults={"title": SCHEMA_V2["title"], "schema": SCHEMA_V2}
    )


def backwards(apps, schema_editor):
    Questionnaire = apps.get_model("assessments", "Questionnaire")
    Submission = apps.get_model("assessments", "Submission")
    if Submission.objects.filter(questionnaire__version=SCHEMA_V2["version"]).exists():
        raise RuntimeError("已有按第二版问卷提交的问卷，不能撤销第二版问卷")
    Questionnaire.objects.filter(version=SCHEMA_V2["version"]).delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0014_campaign_kinds_third_party_fiscal")]

    operations = [migrations.RunPython(forwards, backwards)]
