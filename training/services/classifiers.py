"""Per-user classifiers: training from labels, signed storage per field, and prediction for the ensemble.

Built on ``emails.analysis.learning`` (scikit-learn on the local embedding + header features). Each field's
model is its own signed blob in ``ClassifierModel``; a blob whose signature or library versions do not
match is never unpickled: the user's classifiers are retrained from the labels instead.
Fallback order: personal classifier (enough labels) → the local analyzer's global models and heuristics
→ the provider's answer, all weighed by the ensemble.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from typing import Any

import sklearn
from django.db import transaction
from django.utils import timezone

from emails.analysis import learning
from emails.analysis.types import FieldPrediction
from emails.models import Message
from training.models import ClassifierModel, LabelField
from training.selectors import labels_latest

logger = logging.getLogger(__name__)

_cache_lock = threading.Lock()
# (owner, field) → (version, signature, estimator set); a process-local cache of verified loads.
_loaded: dict[tuple[int, str], tuple[int, str, learning.UserClassifiers]] = {}


@dataclass(frozen=True)
class TrainReport:
    owner_id: int
    n_labels: int
    trained_fields: tuple[str, ...]
    accuracy: dict[str, float | None]
    skipped: dict[str, str]


def _embedding_model_id() -> str:
    from emails.analysis.embeddings import DEFAULT_MODEL_ID

    return DEFAULT_MODEL_ID


def _examples(*, owner_id: int) -> list[learning.LabelledExample]:
    from emails.analysis.embeddings import embed_texts, embedding_text
    from emails.models import MessageContent
    from emails.pipeline.stages import parsed_from_message

    per_logical: dict[int, dict[str, Any]] = {}
    for (logical_id, field), value in labels_latest(owner_id=owner_id).items():
        per_logical.setdefault(logical_id, {})[field] = value
    if not per_logical:
        return []
    messages: dict[int, Message] = {}
    for message in Message.objects.filter(owner_id=owner_id, logical_id__in=list(per_logical)).order_by("id"):
        messages.setdefault(message.logical_id, message)
    contents = {c.logical_id: c for c in MessageContent.objects.filter(logical_id__in=list(messages))}
    logical_ids = [i for i in per_logical if i in messages]
    texts = []
    for logical_id in logical_ids:
        message, content = messages[logical_id], contents.get(logical_id)
        body = (content.new_text or content.text) if content else message.text_body
        texts.append(embedding_text(subject=message.subject, body=body))
    vectors = embed_texts(texts, model_id=_embedding_model_id())
    return [
        learning.LabelledExample(
            parsed=parsed_from_message(messages[logical_id]),
            embedding=vectors[index],
            labels=per_logical[logical_id],
        )
        for index, logical_id in enumerate(logical_ids)
    ]


def _signature_of(blob: bytes) -> str:
    header_length = int.from_bytes(blob[len(learning.MAGIC) : len(learning.MAGIC) + 4], "big")
    start = len(learning.MAGIC) + 4 + header_length
    return blob[start : start + 32].hex()


def classifiers_train_for_user(*, owner_id: int) -> TrainReport:
    """Train every field with enough labels and store it signed; fields without enough labels are dropped."""
    examples = _examples(owner_id=owner_id)
    if not examples:
        ClassifierModel.objects.filter(owner_id=owner_id).delete()
        return TrainReport(owner_id, 0, (), {}, {f: "no labels" for f in LabelField.values})
    trained = learning.classifiers_train(examples=examples, model_id=_embedding_model_id())
    now = timezone.now()
    accuracy: dict[str, float | None] = {}
    skipped: dict[str, str] = {}
    with transaction.atomic():
        for field in LabelField.values:
            field_accuracy = trained.accuracy.get(field)
            if field not in trained.estimators:
                skipped[field] = field_accuracy.reason if field_accuracy else "no labels"
                ClassifierModel.objects.filter(owner_id=owner_id, field=field).delete()
                continue
            single = learning.UserClassifiers(
                model_id=trained.model_id,
                dimension=trained.dimension,
                estimators={field: trained.estimators[field]},
                accuracy={field: field_accuracy} if field_accuracy else {},
                trained_at=trained.trained_at,
            )
            blob = learning.classifiers_dump(single)
            previous = (
                ClassifierModel.objects.filter(owner_id=owner_id, field=field)
                .values_list("version", flat=True)
                .first()
            )
            accuracy[field] = field_accuracy.cv_accuracy if field_accuracy else None
            ClassifierModel.objects.update_or_create(
                owner_id=owner_id,
                field=field,
                defaults={
                    "version": (previous or 0) + 1,
                    "sklearn_version": sklearn.__version__,
                    "blob": blob,
                    "signature": _signature_of(blob),
                    "accuracy": accuracy[field],
                    "n_labels": field_accuracy.n_labels if field_accuracy else 0,
                    "trained_at": now,
                },
            )
    logger.info("classifiers trained owner=%s fields=%s", owner_id, sorted(accuracy))
    return TrainReport(owner_id, len(examples), tuple(sorted(accuracy)), accuracy, skipped)


def _load(model: ClassifierModel) -> learning.UserClassifiers | None:
    key = (model.owner_id, model.field)
    with _cache_lock:
        cached = _loaded.get(key)
    if cached and cached[0] == model.version and cached[1] == model.signature:
        return cached[2]
    try:
        classifiers = learning.classifiers_load(bytes(model.blob))
    except learning.ClassifierRejected as exc:
        logger.warning(
            "classifier rejected owner=%s field=%s: %s; retraining", model.owner_id, model.field, exc
        )
        from training.services.labels import retrain_schedule

        retrain_schedule(owner_id=model.owner_id)
        return None
    with _cache_lock:
        _loaded[key] = (model.version, model.signature, classifiers)
    return classifiers


def classifier_predict(
    *, owner_id: int, parsed: Any, text: str, subject: str
) -> dict[str, tuple[FieldPrediction, float | None]]:
    """Predictions of the user's personal classifiers with each model's accuracy; {} when none is trained."""
    models = list(ClassifierModel.objects.filter(owner_id=owner_id))
    if not models:
        return {}
    from emails.analysis.embeddings import embed_texts, embedding_text

    embedding = embed_texts([embedding_text(subject=subject, body=text)], model_id=_embedding_model_id())[0]
    out: dict[str, tuple[FieldPrediction, float | None]] = {}
    for model in models:
        classifiers = _load(model)
        if classifiers is None:
            continue
        for field, prediction in classifiers.predict(parsed=parsed, embedding=embedding).items():
            out[field] = (prediction, model.accuracy)
    return out


def labels_fingerprint(*, owner_id: int) -> str:
    """Changes whenever the user's effective labels change (decides whether a retrain is needed)."""
    latest = sorted(labels_latest(owner_id=owner_id).items())
    return hashlib.sha256(repr(latest).encode()).hexdigest()
