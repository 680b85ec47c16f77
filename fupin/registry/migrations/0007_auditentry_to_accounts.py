"""AuditEntry moves to the accounts app (issue #13): state only, the table stays.

The table keeps its name `registry_auditentry`; accounts' 0002_auditentry takes the model over.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_audit_token")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEntry")],
            database_operations=[],
        )
    ]
