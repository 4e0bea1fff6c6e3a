"""Full-text search: accent folding, German + English stemming, a GIN-indexed tsvector per logical message."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# unaccent() is only STABLE (its dictionary could change), so it cannot appear in an index or a generated
# column; this wrapper pins the dictionary and is declared IMMUTABLE, the documented workaround.
# Re-index (manage.py search --reindex) if the unaccent rules file is ever changed.
FUNCTIONS_SQL = """
CREATE FUNCTION mh_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

CREATE FUNCTION mh_search_document(subject text, sender text, body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT setweight(to_tsvector('german'::regconfig, mh_unaccent(coalesce($1, ''))), 'A')
        || setweight(to_tsvector('english'::regconfig, mh_unaccent(coalesce($1, ''))), 'A')
        || setweight(to_tsvector('german'::regconfig, mh_unaccent(coalesce($2, ''))), 'B')
        || setweight(to_tsvector('english'::regconfig, mh_unaccent(coalesce($2, ''))), 'B')
        || setweight(to_tsvector('german'::regconfig, mh_unaccent(left(coalesce($3, ''), 20000))), 'C')
        || setweight(to_tsvector('english'::regconfig, mh_unaccent(left(coalesce($3, ''), 20000))), 'C')
    $$;

CREATE FUNCTION mh_search_query(text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$
    SELECT websearch_to_tsquery('german'::regconfig, mh_unaccent($1))
        || websearch_to_tsquery('english'::regconfig, mh_unaccent($1))
    $$;
"""

FUNCTIONS_REVERSE_SQL = """
DROP FUNCTION IF EXISTS mh_search_query(text);
DROP FUNCTION IF EXISTS mh_search_document(text, text, text);
DROP FUNCTION IF EXISTS mh_unaccent(text);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("emails", "0004_remote_image_allowance"),
        ("mailhelper", "0001_extensions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(FUNCTIONS_SQL, FUNCTIONS_REVERSE_SQL),
        migrations.CreateModel(
            name="MessageSearch",
            fields=[
                (
                    "logical",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search",
                        serialize=False,
                        to="emails.logicalmessage",
                    ),
                ),
                ("document", django.contrib.postgres.search.SearchVectorField()),
                ("received_at", models.DateTimeField(blank=True, null=True)),
                ("indexed_at", models.DateTimeField(auto_now=True)),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["document"], name="message_search_document_gin"
                    ),
                    models.Index(fields=["owner", "received_at"], name="message_search_owner_recv"),
                ],
            },
        ),
    ]
