"""Recording a user's correction: the label, the Triage update and a debounced retrain, in one call."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from accounts.models import User
from emails.models import LogicalMessage, Triage, TriageCategory
from training.models import Label, LabelField

# Label field → Triage field
TRIAGE_FIELD = {"urgency": "urgency", "importance": "importance", "category": "category", "spam": "is_spam"}


class LabelInvalid(ValueError):
    """The field or value of a correction is not allowed."""


def label_value_normalize(*, field: str, value: object) -> str:
    if field in (LabelField.URGENCY, LabelField.IMPORTANCE):
        try:
            level = int(str(value))
        except ValueError as exc:
            raise LabelInvalid(f"{field} must be 1, 2 or 3") from exc
        if level not in (1, 2, 3):
            raise LabelInvalid(f"{field} must be 1, 2 or 3")
        return str(level)
    if field == LabelField.CATEGORY:
        if value not in TriageCategory.values:
            raise LabelInvalid(f"unknown category {value!r}")
        return str(value)
    if field == LabelField.SPAM:
        if value in (True, 1, "1", "true", "True", "spam"):
            return "1"
        if value in (False, 0, "0", "false", "False", "ham", "not_spam"):
            return "0"
        raise LabelInvalid("spam must be true or false")
    raise LabelInvalid(f"unknown field {field!r}")


def retrain_schedule(*, owner_id: int) -> bool:
    """Queue one retrain per user per delay window (labels in a burst train once), after commit."""
    delay = settings.TRAINING_RETRAIN_DELAY_SECONDS
    if not cache.add(f"training:retrain-queued:{owner_id}", 1, timeout=delay):
        return False

    def send() -> None:
        from training.tasks import classifiers_retrain_task

        classifiers_retrain_task.apply_async(args=(owner_id,), countdown=delay, queue="default")

    transaction.on_commit(send, robust=True)
    return True


def label_record(*, user: User, logical_id: int, field: str, value: object) -> Triage:
    """Store the correction as a label and apply it to the Triage at once (score/colour follow).

    The field is added to ``corrected_fields`` so reprocessing keeps the user's value. Someone else's
    logical id raises ``Triage.DoesNotExist``.
    """
    normalized = label_value_normalize(field=field, value=value)
    with transaction.atomic():
        if not LogicalMessage.objects.filter(pk=logical_id, owner=user).exists():
            raise Triage.DoesNotExist("no such message")
        triage = Triage.objects.select_for_update().filter(logical_id=logical_id, owner=user).first()
        if triage is None:  # corrected before the pipeline got to it: the pipeline fills in the rest
            triage = Triage(logical_id=logical_id, owner=user, urgency=1, importance=1, provider="user")
        latest = (
            Label.objects.filter(owner=user, logical_id=logical_id, field=field)
            .order_by("-created_at", "-id")
            .values_list("value", flat=True)
            .first()
        )
        changed = latest != normalized
        if changed:
            Label.objects.create(owner=user, logical_id=logical_id, field=field, value=normalized)
        name = TRIAGE_FIELD[field]
        if name == "is_spam":
            triage.is_spam = normalized == "1"
            if "category" not in triage.corrected_fields:
                if triage.is_spam:
                    triage.category = TriageCategory.SPAM
                elif triage.category == TriageCategory.SPAM:
                    triage.category = TriageCategory.INFO
        elif name == "category":
            triage.category = normalized
        else:
            setattr(triage, name, int(normalized))
        if name not in triage.corrected_fields:
            triage.corrected_fields = [*triage.corrected_fields, name]
        triage.sources = {**(triage.sources or {}), name: "user"}
        triage.save()  # score and colour are derived in save()
        if changed:
            retrain_schedule(owner_id=user.pk)
    return triage
