# One role system: a county officer (县级干部) is a Membership of the county_officer role tied to
# their county, granted on the county office's people pages; the separate CountyOfficer table
# that only /admin/ could fill is folded into it and dropped.

from django.db import migrations


def forward(apps, schema_editor):
    officer = apps.get_model("assessments", "CountyOfficer")
    membership = apps.get_model("accounts", "Membership")
    for row in officer.objects.all():
        membership.objects.get_or_create(
            user_id=row.user_id, role="county_officer", region_id=row.county_id
        )
        membership.objects.filter(
            user_id=row.user_id,
            role="county_officer",
            region__isnull=True,
            institution__isnull=True,
            campaign__isnull=True,
        ).delete()


def backward(apps, schema_editor):
    officer = apps.get_model("assessments", "CountyOfficer")
    membership = apps.get_model("accounts", "Membership")
    for row in membership.objects.filter(role="county_officer", region__isnull=False):
        officer.objects.get_or_create(user_id=row.user_id, county_id=row.region_id)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0008_evaluators_exam_passed"),
        ("accounts", "0007_posts"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="CountyOfficer"),
    ]
