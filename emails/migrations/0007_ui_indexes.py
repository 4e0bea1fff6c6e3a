"""Indexes for the dashboard and the message list (raw SQL: partial/covering/descending indexes on tables
whose models belong to other modules; Django's migration state does not track them, so the models' Meta
stays the single source for everything else)."""

from django.db import migrations

INDEXES = {
    # Sort by sender: keyset on (from_address, received_at DESC, id DESC) per owner.
    "message_ui_owner_sender": "emails_message (owner_id, from_address, received_at DESC, id DESC)",
    # Dashboard/list filtered to one account: "has a copy in this account" without scanning the owner's mail.
    "message_ui_account_logical": "emails_message (account_id, logical_id)",
    # The unread total, counted from the index alone (folder and account are filtered inside it).
    "message_ui_owner_unread": "emails_message (owner_id, folder_id, account_id) WHERE NOT is_seen",
    # The matrix: open, non-spam triage results per owner, counted per cell from the index alone.
    "triage_ui_owner_open_cell": (
        "emails_triage (owner_id, urgency, importance) INCLUDE (logical_id) WHERE done_at IS NULL AND NOT is_spam"
    ),
    # Sort by priority: keyset on (score DESC, logical_id DESC) per owner.
    "triage_ui_owner_score": "emails_triage (owner_id, score DESC, logical_id DESC)",
}


class Migration(migrations.Migration):
    dependencies = [("emails", "0005_message_search")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {definition};",
            reverse_sql=f"DROP INDEX IF EXISTS {name};",
        )
        for name, definition in INDEXES.items()
    ]
