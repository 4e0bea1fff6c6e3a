"""Reads for the learning pages and the ensemble: classifier status and each source's measured accuracy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sklearn

from accounts.models import User
from emails.models import Triage
from emails.pipeline.ensemble import accuracy_from_labels
from training.models import ClassifierModel, Label, LabelField

ACCURACY_LABELS_MAX = 1000


@dataclass(frozen=True)
class ClassifierStatus:
    field: str
    is_trained: bool
    accuracy: float | None
    n_labels: int
    labels_now: int
    trained_at: datetime | None
    version: int
    needs_retrain: bool  # scikit-learn changed, or labels were added since


def labels_latest(*, owner_id: int) -> dict[tuple[int, str], str]:
    """The newest label value per (logical message, field) of one user."""
    latest: dict[tuple[int, str], str] = {}
    rows = (
        Label.objects.filter(owner_id=owner_id)
        .order_by("created_at", "id")
        .values_list("logical_id", "field", "value")
    )
    for logical_id, field, value in rows:
        latest[(logical_id, field)] = value
    return latest


def classifier_status_for_user(*, user: User) -> list[ClassifierStatus]:
    """One entry per label field: trained or not, its cross-validated accuracy and label counts."""
    models = {m.field: m for m in ClassifierModel.objects.filter(owner=user).defer("blob")}
    counts: dict[str, int] = {}
    for (_logical, field), _value in labels_latest(owner_id=user.pk).items():
        counts[field] = counts.get(field, 0) + 1
    out = []
    for field in LabelField.values:
        model = models.get(field)
        now = counts.get(field, 0)
        out.append(
            ClassifierStatus(
                field=field,
                is_trained=model is not None,
                accuracy=model.accuracy if model else None,
                n_labels=model.n_labels if model else 0,
                labels_now=now,
                trained_at=model.trained_at if model else None,
                version=model.version if model else 0,
                needs_retrain=bool(
                    model and (model.sklearn_version != sklearn.__version__ or model.n_labels != now)
                ),
            )
        )
    return out


def source_accuracy_for_user(*, owner_id: int) -> dict[str, tuple[int, int]]:
    """(agreements, votes) per ensemble source over the user's latest labels (see emails.pipeline.ensemble)."""
    latest = labels_latest(owner_id=owner_id)
    if not latest:
        return {}
    items = list(latest.items())[-ACCURACY_LABELS_MAX:]
    explanations = dict(
        Triage.objects.filter(owner_id=owner_id, logical_id__in={k[0] for k, _ in items}).values_list(
            "logical_id", "explanation"
        )
    )
    pairs = [(field, value, explanations.get(logical_id) or []) for (logical_id, field), value in items]
    return accuracy_from_labels(pairs=pairs)
