"""Labels and per-user classifiers: one-click corrections, isolation, signed retraining, the ensemble using it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from emails.analysis import learning
from emails.models import Triage
from emails.pipeline import state
from emails.pipeline.services import logical_process
from emails.pipeline.tests.factories import folder_make, mail_store, raw_mail
from training.models import ClassifierModel, Label
from training.selectors import classifier_status_for_user
from training.services.labels import label_record
from training.tasks import classifiers_retrain_task

URGENT_SUBJECTS = [
    "Server down in production, need you now",
    "Contract must be signed today",
    "Payment overdue, account blocked",
    "Board meeting moved to in one hour",
    "Customer escalation: reply immediately",
    "Security incident on the VPN",
    "Deadline tonight for the tender",
    "Outage affecting all users",
]
CALM_SUBJECTS = [
    "Photos from the summer party",
    "Book recommendation",
    "Weekly digest of the garden club",
    "Some thoughts on the office plants",
    "Recipe for the lemon cake",
    "Trip report from the hiking weekend",
    "Old team picture found",
    "Coffee machine tips",
]


def _processed(folder: Any, subject: str) -> int:
    message = mail_store(folder, raw_mail(subject=subject, body=f"{subject}.\n\nRegards\nBob"))
    state.processing_ensure(logical_ids=[message.logical_id])
    logical_process(logical_id=message.logical_id)
    return message.logical_id


@pytest.mark.django_db
def test_label_record_moves_score_and_colour_at_once(alice: Any) -> None:
    """GIVEN a green mail WHEN alice sets urgency and importance to 3 THEN score 9, red, corrected, labelled."""
    logical_id = _processed(folder_make(alice), "Book recommendation")
    before = Triage.objects.get(logical_id=logical_id)
    label_record(user=alice, logical_id=logical_id, field="urgency", value=3)
    triage = label_record(user=alice, logical_id=logical_id, field="importance", value="3")
    assert (triage.score, triage.colour) == (9, "red")
    stored = Triage.objects.get(pk=before.pk)
    assert (stored.score, stored.colour) == (9, "red")
    assert set(stored.corrected_fields) == {"urgency", "importance"}
    assert Label.objects.filter(owner=alice, logical_id=logical_id).count() == 2


@pytest.mark.django_db
def test_spam_label_sets_category_and_is_reversible(alice: Any) -> None:
    """GIVEN a mail WHEN marked spam and then not spam THEN category follows, labels record both."""
    logical_id = _processed(folder_make(alice), "Coffee machine tips")
    assert label_record(user=alice, logical_id=logical_id, field="spam", value=True).category == "spam"
    triage = label_record(user=alice, logical_id=logical_id, field="spam", value=False)
    assert (triage.is_spam, triage.category) == (False, "info")


@pytest.mark.django_db
def test_another_users_message_is_refused(alice: Any, charlie: Any) -> None:
    """GIVEN alice's mail WHEN charlie labels it THEN DoesNotExist and nothing changes (alice herself can)."""
    logical_id = _processed(folder_make(alice), "Book recommendation")
    before = Triage.objects.get(logical_id=logical_id)
    with pytest.raises(Triage.DoesNotExist):
        label_record(user=charlie, logical_id=logical_id, field="urgency", value=3)
    assert not Label.objects.exists()
    assert Triage.objects.get(logical_id=logical_id).urgency == before.urgency
    label_record(user=alice, logical_id=logical_id, field="urgency", value=3)  # positive control
    assert Label.objects.filter(owner=alice).count() == 1


@pytest.mark.django_db
def test_mark_done_is_owner_checked(alice: Any, charlie: Any) -> None:
    """GIVEN alice's triage WHEN charlie marks it done THEN DoesNotExist; alice can, and undo."""
    from emails.services.triage import triage_mark_done

    logical_id = _processed(folder_make(alice), "Book recommendation")
    with pytest.raises(Triage.DoesNotExist):
        triage_mark_done(user=charlie, logical_id=logical_id, done=True)
    assert triage_mark_done(user=alice, logical_id=logical_id, done=True).done_at is not None
    assert triage_mark_done(user=alice, logical_id=logical_id, done=False).done_at is None


@pytest.mark.django_db
def test_labels_schedule_one_debounced_retrain(alice: Any, django_capture_on_commit_callbacks: Any) -> None:
    """GIVEN several corrections in a burst WHEN recorded THEN one retrain is scheduled; an unchanged one none."""
    folder = folder_make(alice)
    first, second = _processed(folder, "Book recommendation"), _processed(folder, "Coffee machine tips")
    cache.delete(f"training:retrain-queued:{alice.pk}")
    with django_capture_on_commit_callbacks() as callbacks:
        label_record(user=alice, logical_id=first, field="urgency", value=3)
        label_record(user=alice, logical_id=second, field="urgency", value=3)
    # Other after-commit work (e.g. dropping the dashboard cache) may ride along; one of it is a retrain.
    retrains = [c for c in callbacks if c.__qualname__.startswith("retrain_schedule.")]
    assert len(retrains) == 1


@pytest.mark.django_db
def test_retrain_trains_a_signed_model_and_the_ensemble_uses_it(alice: Any, bob: Any) -> None:
    """GIVEN 16 urgency labels WHEN the retrain task runs THEN a signed model with accuracy exists, the
    ensemble counts a classifier vote for new mail, and a tampered blob is refused (retrain, not unpickle)."""
    folder = folder_make(alice)
    for subject in URGENT_SUBJECTS:
        label_record(user=alice, logical_id=_processed(folder, subject), field="urgency", value=3)
    for subject in CALM_SUBJECTS:
        label_record(user=alice, logical_id=_processed(folder, subject), field="urgency", value=1)
    assert classifiers_retrain_task(alice.pk).startswith("trained urgency")
    model = ClassifierModel.objects.get(owner=alice, field="urgency")
    assert model.n_labels == 16
    assert model.accuracy is not None
    assert len(model.signature) == 64
    loaded = learning.classifiers_load(bytes(model.blob))
    assert "urgency" in loaded.estimators
    status = {s.field: s for s in classifier_status_for_user(user=alice)}
    assert status["urgency"].is_trained
    assert status["urgency"].accuracy == model.accuracy
    assert not status["category"].is_trained
    assert not ClassifierModel.objects.filter(owner=bob).exists()
    assert classifiers_retrain_task(alice.pk) == "unchanged"

    fresh = _processed(folder, "Production database outage right now")
    votes = {v["source"]: v for v in Triage.objects.get(logical_id=fresh).explanation}
    assert "classifier" in votes
    assert votes["classifier"]["urgency"] in (1, 2, 3)
    bob_mail = _processed(folder_make(bob), "Production database outage right now")
    assert "classifier" not in {v["source"] for v in Triage.objects.get(logical_id=bob_mail).explanation}

    tampered = bytearray(model.blob)
    tampered[-1] ^= 0xFF
    with pytest.raises(learning.SignatureInvalid):
        learning.classifiers_load(bytes(tampered))
    ClassifierModel.objects.filter(pk=model.pk).update(blob=bytes(tampered), version=model.version + 1)
    again = _processed(folder, "Another outage right now")
    assert "classifier" not in {v["source"] for v in Triage.objects.get(logical_id=again).explanation}


@pytest.mark.django_db
def test_source_weights_follow_the_users_corrections(alice: Any) -> None:
    """GIVEN labels that always contradict the heuristics WHEN weights are measured THEN they fall below prior."""
    from emails.pipeline.ensemble import PRIORS, weight_for
    from training.selectors import source_accuracy_for_user

    folder = folder_make(alice)
    for subject in CALM_SUBJECTS[:5]:
        logical_id = _processed(folder, subject)
        triage = Triage.objects.get(logical_id=logical_id)
        wrong = 3 if triage.urgency != 3 else 1
        label_record(user=alice, logical_id=logical_id, field="urgency", value=wrong)
    accuracy = source_accuracy_for_user(owner_id=alice.pk)
    source = next(iter(accuracy))
    assert accuracy[source][0] == 0
    assert accuracy[source][1] >= 5
    assert weight_for(source=source, prior=None, accuracy=accuracy) < PRIORS[source]
