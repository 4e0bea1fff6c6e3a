"""Default periodic tasks are seeded once and never overwrite an operator's edits."""

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

pytestmark = pytest.mark.django_db


def test_seed_schedules_is_idempotent():
    """GIVEN an empty schedule WHEN seeding twice THEN each default exists exactly once."""
    call_command("seed_schedules")
    first = sorted(PeriodicTask.objects.values_list("name", flat=True))
    call_command("seed_schedules")
    assert sorted(PeriodicTask.objects.values_list("name", flat=True)) == first
    assert "Delete expired task results" in first


def test_seed_schedules_keeps_admin_edits_unless_reset():
    """GIVEN an operator changed a schedule WHEN seeding again THEN the edit stays; WHEN --reset THEN defaults return."""
    call_command("seed_schedules")
    task = PeriodicTask.objects.get(name="Delete expired task results")
    hourly, _ = IntervalSchedule.objects.get_or_create(every=3600, period=IntervalSchedule.SECONDS)
    task.interval = hourly
    task.enabled = False
    task.save()

    call_command("seed_schedules")
    task.refresh_from_db()
    assert (task.interval.every, task.enabled) == (3600, False)

    call_command("seed_schedules", reset=True)
    task.refresh_from_db()
    assert (task.interval.every, task.enabled) == (24 * 3600, True)
