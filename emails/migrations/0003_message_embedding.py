import django.db.models.deletion
import pgvector.django.indexes
import pgvector.django.vector
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("emails", "0002_pipeline_triage"),
        ("mailhelper", "0001_extensions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MessageEmbedding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("model_id", models.CharField(max_length=100)),
                ("dimension", models.PositiveSmallIntegerField()),
                (
                    "embedding_384",
                    pgvector.django.vector.VectorField(blank=True, dimensions=384, null=True),
                ),
                ("embedded_at", models.DateTimeField(auto_now=True)),
                (
                    "logical",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="embedding",
                        to="emails.logicalmessage",
                    ),
                ),
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
                    pgvector.django.indexes.HnswIndex(
                        ef_construction=64,
                        fields=["embedding_384"],
                        m=16,
                        name="message_embedding_384_hnsw",
                        opclasses=["vector_cosine_ops"],
                    ),
                    models.Index(fields=["owner", "model_id"], name="message_embedding_owner_model"),
                    models.Index(fields=["model_id"], name="message_embedding_model"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("dimension", 384), ("embedding_384__isnull", False)),
                        name="message_embedding_column_matches_dimension",
                    )
                ],
            },
        ),
    ]
