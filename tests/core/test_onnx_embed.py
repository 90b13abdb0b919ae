"""The quantised ONNX embedder: made from the bundled weights, close to the float model."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from curator.core.checks import embed, onnx_embed
from curator.core.checks.embed import EmbeddingCache, SentenceTransformerEmbedder

pytestmark = pytest.mark.slow

TEXTS = [
    "How do I reset my password?",
    "I forgot my password, how can I change it?",
    "Is the store open on Sunday?",
    "Is the store open on Monday?",
    "Can I return an item after 30 days?",
    "The curious boys look in the shed.",
    "Two small boys in a woody area looking at a shed.",
    "def add(a, b):\n    return a + b",
    "Bonjour, je voudrais annuler ma commande numéro 4471.",
    "A very long message. " * 200,   # past the 256-token limit: truncated like the float
    "",
]


@pytest.fixture(scope="module")
def vectors() -> dict[str, np.ndarray]:
    return {"float": SentenceTransformerEmbedder().encode(TEXTS),
            "int8": onnx_embed.OnnxEmbedder().encode(TEXTS)}


def test_vectors_agree_with_the_float_model(vectors: dict[str, np.ndarray]) -> None:
    f, q = vectors["float"], vectors["int8"]
    assert q.shape == f.shape == (len(TEXTS), 384) and q.dtype == np.float32
    assert np.allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-4)
    agreement = (f * q).sum(axis=1)
    assert agreement.min() >= 0.97, agreement
    assert agreement.mean() >= 0.985, agreement


def test_pair_cosines_keep_their_order(vectors: dict[str, np.ndarray]) -> None:
    f, q = vectors["float"], vectors["int8"]
    cos_f, cos_q = f @ f.T, q @ q.T
    assert np.abs(cos_f - cos_q).max() < 0.05
    # a paraphrase stays closer than an unrelated pair, as with the float model
    assert cos_q[0, 1] > cos_q[0, 5] + 0.3
    assert cos_q[5, 6] > cos_q[5, 8]


def test_batches_do_not_change_a_vector(vectors: dict[str, np.ndarray]) -> None:
    model = onnx_embed.OnnxEmbedder(workers=3)
    alone = np.vstack([model.encode([t]) for t in TEXTS[:4]])
    assert np.abs(alone - vectors["int8"][:4]).max() < 1e-6   # alone = in any company
    assert model.encode([]).shape == (0, 384)


def test_prepare_makes_the_copy_once_under_its_final_name(tmp_path) -> None:
    target = tmp_path / "models" / "minilm.onnx"
    assert onnx_embed.prepare(target=target) == target
    assert target.stat().st_size > 10_000_000
    assert [p.name for p in target.parent.iterdir()] == ["minilm.onnx"]  # no temporaries
    stamp = target.stat().st_mtime_ns
    onnx_embed.prepare(target=target)
    assert target.stat().st_mtime_ns == stamp
    q = onnx_embed.OnnxEmbedder(model_file=target).encode(TEXTS[:2])
    assert float(q[0] @ q[1]) > 0.6


def test_the_copy_is_named_by_its_source(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CURATOR_MODEL_CACHE", str(tmp_path))
    source = onnx_embed.source_model_path()
    path = onnx_embed.quantised_path(source)
    assert path.parent == tmp_path and path.suffix == ".onnx"
    copy = tmp_path / "src"
    copy.mkdir()
    for name in ("model.safetensors", "config.json", "tokenizer.json"):
        (copy / name).write_bytes((source / name).read_bytes())
    assert onnx_embed.quantised_path(copy) == path
    with (copy / "model.safetensors").open("r+b") as handle:   # other weights: other copy
        handle.seek(1000)
        handle.write(b"\x01\x02")
    assert onnx_embed.quantised_path(copy) != path


def test_default_embedder_and_its_cache_name(monkeypatch, store) -> None:
    monkeypatch.delenv("CURATOR_EMBEDDER", raising=False)
    model = embed.default_embedder()
    assert isinstance(model, onnx_embed.OnnxEmbedder)
    assert model.name != SentenceTransformerEmbedder().name   # vectors never mixed
    monkeypatch.setenv("CURATOR_EMBEDDER", "float")
    assert isinstance(embed.default_embedder(), SentenceTransformerEmbedder)
    with store.atomic():
        cache = EmbeddingCache(store.db, model.name)
        assert cache.get_many(["nothing"]) == {}


def test_cli_models_status_and_prepare(tmp_path) -> None:
    from click.testing import CliRunner

    from curator.cli import cli

    env = {"CURATOR_MODEL_CACHE": str(tmp_path), "CURATOR_EMBEDDER": ""}
    runner = CliRunner()
    status = json.loads(runner.invoke(cli, ["models", "status", "--json"], env=env).stdout)
    assert status == {"embedder": onnx_embed.MINILM_INT8_NAME,
                      "quantised_path": status["quantised_path"], "quantised_ready": False}
    made = runner.invoke(cli, ["models", "prepare", "--json"], env=env)
    assert made.exit_code == 0, made.output
    result = json.loads(made.stdout)
    assert result["made"] is True and os.path.exists(result["path"])
    assert result["path"] == status["quantised_path"]
    again = json.loads(runner.invoke(cli, ["models", "prepare", "--json"], env=env).stdout)
    assert again["made"] is False
