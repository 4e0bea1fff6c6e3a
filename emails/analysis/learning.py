"""Per-user classifiers (urgency, importance, category, spam) on embeddings + header features.

Models are stored as a signed, versioned blob and are never unpickled before the signature checks:

    MAGIC | header length (4 bytes, big-endian) | header (JSON) | HMAC-SHA256 (32 bytes) | payload (pickle)

The HMAC covers everything but itself, keyed with a key derived from Django's SECRET_KEY (the fallbacks in
SECRET_KEY_FALLBACKS still verify, so a key rotation does not force a retrain). The header carries the
format version and the scikit-learn/numpy versions; a different version means "retrain", never "try".
"""

from __future__ import annotations

import hashlib
import hmac
import json
import pickle
import struct
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score

from emails.analysis.signals import header_signals
from emails.analysis.types import FieldPrediction
from emails.parsing import ParsedMessage

LABEL_FIELDS = ("urgency", "importance", "category", "spam")
FORMAT_VERSION = 1
MAGIC = b"MHCLF\x01"
MIN_LABELS = 6  # per field; below this a field has no personal model and falls back to global/provider
CV_FOLDS_MAX = 5
_KEY_PURPOSE = b"mailhelper.analysis.learning.classifier-signature.v1"
HEADER_FEATURE_NAMES = (
    "list", "bulk", "discussion_list", "auto_submitted", "noreply", "high_priority", "low_priority",
    "auth_failure", "reply_to_mismatch", "is_reply", "attachments", "calendar", "html_only", "recipients",
    "subject_re", "subject_fwd",
)  # fmt: skip


class ClassifierRejected(Exception):
    """A stored model cannot be used; the caller retrains from the labels."""


class SignatureInvalid(ClassifierRejected):
    pass


class VersionMismatch(ClassifierRejected):
    pass


def header_features(*, parsed: ParsedMessage) -> np.ndarray:
    """A small fixed vector of header facts, in the order of :data:`HEADER_FEATURE_NAMES`."""
    s = header_signals(parsed=parsed)
    subject = parsed.subject.lower()
    values = (
        s.is_list, s.is_bulk, s.is_discussion_list, s.auto_submitted, s.noreply_sender, s.high_priority,
        s.low_priority, bool(s.auth_failures), s.reply_to_mismatch, s.is_reply, parsed.has_attachments,
        bool(parsed.calendar), not parsed.text_body.strip() and bool(parsed.html_body),
        min(s.recipients, 10) / 10, subject.startswith(("re:", "aw:", "r:", "sv:")),
        subject.startswith(("fwd:", "fw:", "wg:", "tr:", "i:")),
    )  # fmt: skip
    return np.asarray(values, dtype=np.float32)


def label_normalize(name: str, value: object) -> str:
    if name == "spam":
        return "1" if value in (True, 1, "1", "true", "True", "spam") else "0"
    return str(value)


@dataclass(frozen=True, slots=True)
class LabelledExample:
    parsed: ParsedMessage
    embedding: np.ndarray
    labels: Mapping[str, object]  # a subset of LABEL_FIELDS


@dataclass(frozen=True, slots=True)
class FieldAccuracy:
    """What to tell the user about one field's personal model."""

    field: str
    n_labels: int
    trained: bool
    cv_accuracy: float | None  # mean accuracy over stratified folds; None when too few labels per class
    cv_folds: int
    majority_baseline: float | None
    reason: str = ""


@dataclass
class UserClassifiers:
    model_id: str  # the embedding model the vectors came from
    dimension: int
    estimators: dict[str, Any]
    accuracy: dict[str, FieldAccuracy]
    trained_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def predict(self, *, parsed: ParsedMessage, embedding: np.ndarray | None) -> dict[str, FieldPrediction]:
        """Predictions for every trained field; none without an embedding of the right dimension."""
        if embedding is None or embedding.shape[-1] != self.dimension:
            return {}
        row = _features(embedding, header_features(parsed=parsed))[None, :]
        out = {}
        for name, estimator in self.estimators.items():
            probabilities = estimator.predict_proba(row)[0]
            classes = [str(c) for c in estimator.classes_]
            best = int(np.argmax(probabilities))
            out[name] = FieldPrediction(
                value=classes[best],
                probability=round(float(probabilities[best]), 4),
                probabilities={c: round(float(p), 4) for c, p in zip(classes, probabilities, strict=True)},
            )
        return out


def _features(embedding: np.ndarray, headers: np.ndarray) -> np.ndarray:
    return np.concatenate([np.asarray(embedding, dtype=np.float32).ravel(), headers])


def _estimator() -> LogisticRegression:
    # Fixed hyper-parameters: a user's few hundred labels are too few to tune on without overfitting.
    return LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")


def classifiers_train(
    *, examples: Sequence[LabelledExample], model_id: str, min_labels: int = MIN_LABELS
) -> UserClassifiers:
    """Train one model per field that has enough labels (and at least two classes) and estimate its accuracy."""
    if not examples:
        raise ValueError("no labelled examples")
    dimension = int(np.asarray(examples[0].embedding).shape[-1])
    rows = {id(e): _features(e.embedding, header_features(parsed=e.parsed)) for e in examples}
    estimators: dict[str, Any] = {}
    accuracy: dict[str, FieldAccuracy] = {}
    for name in LABEL_FIELDS:
        chosen = [e for e in examples if e.labels.get(name) is not None]
        y = np.array([label_normalize(name, e.labels[name]) for e in chosen])
        counts = Counter(y.tolist())
        if len(chosen) < min_labels or len(counts) < 2:
            reason = f"needs {min_labels} labels in at least two classes"
            accuracy[name] = FieldAccuracy(name, len(chosen), False, None, 0, None, reason)
            continue
        x = np.vstack([rows[id(e)] for e in chosen])
        folds = min(CV_FOLDS_MAX, min(counts.values()))
        cv_accuracy = None
        if folds >= 2:
            splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
            cv_accuracy = round(
                float(cross_val_score(_estimator(), x, y, cv=splitter, scoring="accuracy").mean()), 3
            )
        estimators[name] = _estimator().fit(x, y)
        baseline = round(max(counts.values()) / len(y), 3)
        accuracy[name] = FieldAccuracy(
            name, len(chosen), True, cv_accuracy, folds if folds >= 2 else 0, baseline
        )
    return UserClassifiers(model_id=model_id, dimension=dimension, estimators=estimators, accuracy=accuracy)


# ---- signed storage --------------------------------------------------------------------------------


def signing_key(secret_key: str | bytes) -> bytes:
    """A key for this purpose only, derived from SECRET_KEY (HMAC-SHA256 as a KDF)."""
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(secret, _KEY_PURPOSE, hashlib.sha256).digest()


def _django_secret_keys() -> list[str]:
    from django.conf import settings

    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def _versions() -> dict[str, Any]:
    return {"format": FORMAT_VERSION, "sklearn": sklearn.__version__, "numpy": np.__version__}


def classifiers_dump(classifiers: UserClassifiers, *, secret_key: str | bytes | None = None) -> bytes:
    """Serialise and sign; ``secret_key`` defaults to Django's SECRET_KEY."""
    key = signing_key(secret_key if secret_key is not None else _django_secret_keys()[0])
    payload = pickle.dumps(
        {
            "estimators": classifiers.estimators,
            "accuracy": classifiers.accuracy,
            "dimension": classifiers.dimension,
            "trained_at": classifiers.trained_at,
        },
        protocol=5,
    )
    header = json.dumps(
        {**_versions(), "model_id": classifiers.model_id, "fields": sorted(classifiers.estimators)},
        sort_keys=True,
    ).encode()
    prefix = MAGIC + struct.pack(">I", len(header)) + header
    signature = hmac.new(key, prefix + payload, hashlib.sha256).digest()
    return prefix + signature + payload


def classifiers_header(data: bytes) -> dict[str, Any]:
    """The unsigned JSON header (for display only; nothing in it is trusted)."""
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        raise SignatureInvalid("not a mailhelper classifier blob")
    (length,) = struct.unpack(">I", data[len(MAGIC) : len(MAGIC) + 4])
    start = len(MAGIC) + 4
    try:
        header: dict[str, Any] = json.loads(data[start : start + length])
    except ValueError as exc:
        raise SignatureInvalid("unreadable header") from exc
    return header


def classifiers_load(
    data: bytes, *, secret_key: str | bytes | Iterable[str | bytes] | None = None
) -> UserClassifiers:
    """Verify the signature (constant time), then the versions, and only then unpickle.

    Raises :class:`SignatureInvalid` or :class:`VersionMismatch`; both mean "retrain from the labels".
    """
    header = classifiers_header(data)
    (length,) = struct.unpack(">I", data[len(MAGIC) : len(MAGIC) + 4])
    split = len(MAGIC) + 4 + length
    prefix, signature, payload = data[:split], data[split : split + 32], data[split + 32 :]
    if isinstance(secret_key, str | bytes):
        secrets: list[str | bytes] = [secret_key]
    elif secret_key is None:
        secrets = list(_django_secret_keys())
    else:
        secrets = list(secret_key)
    if len(signature) != 32 or not any(
        hmac.compare_digest(hmac.new(signing_key(s), prefix + payload, hashlib.sha256).digest(), signature)
        for s in secrets
    ):
        raise SignatureInvalid("signature does not match")
    expected = _versions()
    if any(header.get(name) != value for name, value in expected.items()):
        found = {name: header.get(name) for name in expected}
        raise VersionMismatch(f"stored with {found}, running {expected}: retrain")
    content = pickle.loads(payload)  # noqa: S301 - only reached with a valid HMAC made with our own key
    return UserClassifiers(
        model_id=str(header["model_id"]),
        dimension=int(content["dimension"]),
        estimators=content["estimators"],
        accuracy=content["accuracy"],
        trained_at=content["trained_at"],
    )
