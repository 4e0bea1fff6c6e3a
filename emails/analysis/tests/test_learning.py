import numpy as np
import pytest

from emails.analysis import learning
from emails.analysis.learning import (
    LabelledExample,
    SignatureInvalid,
    VersionMismatch,
    classifiers_dump,
    classifiers_header,
    classifiers_load,
    classifiers_train,
)
from emails.analysis.tests.mails import mail

KEY = "test-secret-key-for-signing"


def _examples(n=24, dim=8):
    """Two separable groups: invoices (urgent, spam=False) and promotions (spam=True)."""
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        spam = i % 2 == 1
        vector = rng.normal(size=dim) + (3.0 if spam else -3.0)
        vector /= np.linalg.norm(vector)
        parsed = mail(subject=f"Mail {i}", body="x", headers={"Precedence": "bulk"} if spam else None)
        labels = {
            "urgency": 1 if spam else 3,
            "importance": 1 if spam else 2,
            "category": "spam" if spam else "invoice_payment",
            "spam": spam,
        }
        out.append(LabelledExample(parsed=parsed, embedding=vector.astype(np.float32), labels=labels))
    return out


@pytest.fixture(scope="module")
def trained():
    return classifiers_train(examples=_examples(), model_id="test-model")


def test_training_reports_cross_validated_accuracy(trained):
    """GIVEN 24 labelled mails WHEN trained THEN every field has a model and a CV accuracy to show."""
    for name in learning.LABEL_FIELDS:
        report = trained.accuracy[name]
        assert report.trained
        assert report.cv_folds == 5
        assert report.cv_accuracy is not None
        assert report.cv_accuracy >= 0.9
        assert report.majority_baseline == 0.5


def test_too_few_labels_train_no_model():
    """GIVEN 4 labels WHEN trained THEN the field reports "not trained" rather than a model."""
    result = classifiers_train(examples=_examples(n=4), model_id="m")
    assert not result.accuracy["spam"].trained
    assert "spam" not in result.estimators


def test_signed_round_trip_predicts_the_same(trained):
    """GIVEN a trained set WHEN dumped and loaded with the same key THEN predictions are identical."""
    example = _examples()[1]
    blob = classifiers_dump(trained, secret_key=KEY)
    loaded = classifiers_load(blob, secret_key=KEY)
    before = trained.predict(parsed=example.parsed, embedding=example.embedding)
    after = loaded.predict(parsed=example.parsed, embedding=example.embedding)
    assert before == after
    assert after["spam"].value == "1"
    assert after["category"].value == "spam"
    assert loaded.model_id == "test-model"
    assert loaded.accuracy == trained.accuracy


def test_tampered_payload_is_refused_before_unpickling(trained, monkeypatch):
    """GIVEN a blob with one payload byte flipped WHEN loaded THEN SignatureInvalid, and pickle never runs."""
    blob = bytearray(classifiers_dump(trained, secret_key=KEY))
    blob[-10] ^= 0x01
    calls = []
    monkeypatch.setattr(learning.pickle, "loads", lambda data: calls.append(data))
    with pytest.raises(SignatureInvalid):
        classifiers_load(bytes(blob), secret_key=KEY)
    assert calls == []


def test_wrong_key_is_refused_and_fallback_key_accepted(trained):
    """GIVEN a blob signed with an old key WHEN loaded with another key THEN refused; with the old one
    among the fallbacks THEN accepted."""
    blob = classifiers_dump(trained, secret_key="old-key")
    with pytest.raises(SignatureInvalid):
        classifiers_load(blob, secret_key=KEY)
    assert classifiers_load(blob, secret_key=[KEY, "old-key"]).model_id == "test-model"


def test_sklearn_version_change_is_refused(trained, monkeypatch):
    """GIVEN a blob written under another scikit-learn version WHEN loaded THEN VersionMismatch (retrain)."""
    monkeypatch.setattr(learning.sklearn, "__version__", "0.0.1")
    blob = classifiers_dump(trained, secret_key=KEY)
    assert classifiers_header(blob)["sklearn"] == "0.0.1"
    monkeypatch.undo()
    with pytest.raises(VersionMismatch):
        classifiers_load(blob, secret_key=KEY)


def test_format_version_change_is_refused(trained, monkeypatch):
    """GIVEN a blob of an older format version WHEN loaded THEN VersionMismatch."""
    monkeypatch.setattr(learning, "FORMAT_VERSION", 0)
    blob = classifiers_dump(trained, secret_key=KEY)
    monkeypatch.undo()
    with pytest.raises(VersionMismatch):
        classifiers_load(blob, secret_key=KEY)


def test_garbage_is_refused():
    with pytest.raises(SignatureInvalid):
        classifiers_load(b"\x80\x04garbage", secret_key=KEY)


def test_default_key_comes_from_django_settings(trained, settings):
    """GIVEN no explicit key WHEN dumped and loaded THEN SECRET_KEY signs; a changed SECRET_KEY refuses."""
    blob = classifiers_dump(trained)
    assert classifiers_load(blob).model_id == "test-model"
    settings.SECRET_KEY = "another-secret-key"
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(SignatureInvalid):
        classifiers_load(blob)


def test_classifiers_drive_the_local_analyzer(trained):
    """GIVEN a trained set WHEN the local analyzer gets it THEN category/spam come from the classifier."""
    from emails.analysis.local import local_analyze

    example = _examples()[1]
    result = local_analyze(
        parsed=example.parsed, text="x", user_language="en", classifiers=trained, embedding=example.embedding
    )
    assert result.sources["spam"] == "classifier"
    assert result.is_spam
    without = local_analyze(parsed=example.parsed, text="x", user_language="en")
    assert without.sources["spam"] != "classifier"
