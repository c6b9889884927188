from django.db import migrations

from candor.privacy import triggers


def create_head(apps, schema_editor):  # type: ignore[no-untyped-def]
    AuditHead = apps.get_model("privacy", "AuditHead")
    AuditHead.objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"seq": 0, "hash": "0" * 64}
    )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [
        migrations.RunPython(triggers.create, triggers.drop),
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
