"""Celery tasks of the training app: debounced per-user retraining."""

from __future__ import annotations

import logging

import sklearn
from celery import shared_task
from django.core.cache import cache
from django.db.models import Max

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=900, time_limit=960)
def classifiers_retrain_task(user_id: int) -> str:
    """Retrain one user's classifiers if their labels changed since the last training."""
    from training.services.classifiers import classifiers_train_for_user, labels_fingerprint

    cache.delete(f"training:retrain-queued:{user_id}")
    fingerprint = labels_fingerprint(owner_id=user_id)
    key = f"training:trained-labels:{user_id}"
    if cache.get(key) == fingerprint and not _stale(user_id):
        return "unchanged"
    report = classifiers_train_for_user(owner_id=user_id)
    cache.set(key, fingerprint, timeout=None)
    return f"trained {','.join(report.trained_fields) or 'nothing'}"


def _stale(user_id: int) -> bool:
    from training.models import ClassifierModel

    return (
        ClassifierModel.objects.filter(owner_id=user_id).exclude(sklearn_version=sklearn.__version__).exists()
    )


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def classifiers_retrain_due_task() -> int:
    """Hourly: queue a retrain for users with labels newer than their models or models of an old scikit-learn."""
    from training.models import ClassifierModel, Label
    from training.services.labels import retrain_schedule

    newest_label = dict(
        Label.objects.values("owner_id").annotate(at=Max("created_at")).values_list("owner_id", "at")
    )
    trained = dict(
        ClassifierModel.objects.values("owner_id")
        .annotate(at=Max("trained_at"))
        .values_list("owner_id", "at")
    )
    stale = set(
        ClassifierModel.objects.exclude(sklearn_version=sklearn.__version__).values_list(
            "owner_id", flat=True
        )
    )
    due = {owner for owner, at in newest_label.items() if owner not in trained or trained[owner] < at} | stale
    for owner_id in due:
        retrain_schedule(owner_id=owner_id)
    return len(due)
