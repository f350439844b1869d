"""On PostgreSQL, a message that becomes pending notifies `celedger_outbox` when its
transaction commits, so the outbox worker starts at once instead of at its next poll.

A trigger rather than a NOTIFY from Python: the writer's transaction gains no statement
(the claim's statements are counted), and every way a message is written is covered.
NOTIFY is transactional: nothing is sent for a rolled-back write, and one notification
per transaction however many messages it records."""

from django.db import migrations

CREATE = """
CREATE FUNCTION core_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('celedger_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER core_outbox_notify
    AFTER INSERT OR UPDATE OF status ON core_outboxmessage
    FOR EACH ROW WHEN (NEW.status = 'pending')
    EXECUTE FUNCTION core_outbox_notify();
"""
DROP = """
DROP TRIGGER IF EXISTS core_outbox_notify ON core_outboxmessage;
DROP FUNCTION IF EXISTS core_outbox_notify();
"""


def _on_postgresql(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0002_outbox")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
