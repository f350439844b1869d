"""Import files move from the folder the rollout app kept beside MEDIA_ROOT (migration 0001
pointed at it before) into the one private storage, `core.files`. With the default settings both
are `<project>/private`; with PRIVATE_STORAGE=s3 the files go to the bucket."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import migrations


def move_files(apps, schema_editor):
    from celedger.core.files import move_public_files_to_private

    legacy = FileSystemStorage(location=Path(settings.MEDIA_ROOT).resolve().parent / "private")
    Model = apps.get_model("rollout", "ImportJob")
    move_public_files_to_private(
        Model.objects.all(), field="file", prefix="imports", source=legacy
    )


class Migration(migrations.Migration):
    dependencies = [("rollout", "0001_initial")]

    operations = [migrations.RunPython(move_files, migrations.RunPython.noop)]
