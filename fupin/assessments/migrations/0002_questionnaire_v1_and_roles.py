"""Install questionnaire v1 and one auth Group per role code."""

from django.db import migrations

from fupin.assessments.migrations._questionnaire_v1 import SCHEMA_V1

# Frozen here: the role codes as of this migration (fupin.assessments.workflows.Role).
ROLE_CODES = (
    "enumerator",
    "lead_expert",
    "department",
    "expert_group",
    "working_group",
    "county_officer",
)


def forwards(apps, schema_editor):
    Questionnaire = apps.get_model("assessments", "Questionnaire")
    Group = apps.get_model("auth", "Group")
    Questionnaire.objects.get_or_create(
        version=SCHEMA_V1["version"], defaults={"title": SCHEMA_V1["title"], "schema": SCHEMA_V1}
    )
    for code in ROLE_CODES:
        Group.objects.get_or_create(name=code)


def backwards(apps, schema_editor):
    apps.get_model("assessments", "Questionnaire").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
