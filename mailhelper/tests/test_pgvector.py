"""pgvector is installed by a migration and answers nearest-neighbour queries through an HNSW index."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_pgvector_extension_is_installed():
    """GIVEN the migrated test database WHEN listing extensions THEN vector (>= 0.8) is there."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        (version,) = cursor.fetchone()
    major, minor = (int(part) for part in version.split(".")[:2])
    assert (major, minor) >= (0, 8)


def test_hnsw_index_answers_nearest_neighbour_queries():
    """GIVEN vectors in an HNSW-indexed column WHEN asking for the nearest THEN the closest one comes first."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE probe (id int, embedding vector(3))")
        cursor.execute("CREATE INDEX ON probe USING hnsw (embedding vector_cosine_ops)")
        cursor.execute("INSERT INTO probe VALUES (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0.9,0.1,0]')")
        cursor.execute("SELECT id FROM probe ORDER BY embedding <=> '[1,0.05,0]' LIMIT 2")
        assert [row[0] for row in cursor.fetchall()] == [1, 3]
