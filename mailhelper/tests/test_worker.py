"""The ping task round-trips through a real Celery worker and its result is stored."""

import pytest
from django_celery_results.models import TaskResult

from mailhelper.tasks import ping_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_ping_round_trips_through_a_real_worker(celery_worker_process):
    """GIVEN a worker subprocess WHEN ping is sent THEN the worker answers and the result is in the DB."""
    result = ping_task.delay("hello")
    assert result.get(timeout=30) == "pong:hello"
    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "SUCCESS"
    assert "pong:hello" in stored.result
