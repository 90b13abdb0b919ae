"""``curator models``: the models Curator runs, and making the quantised embedder.

``curator models prepare`` converts the bundled all-MiniLM-L6-v2 into the int8 ONNX copy
the duplicate, contradiction and label-error checks use (``core/checks/onnx_embed``):
``packaging/bootstrap.py`` runs it at install, so the first scan does not wait for it.
No network: the source weights are a folder inside an installed package.
"""

from __future__ import annotations

import time
from typing import Any

import click


def register(cli: click.Group, reports_errors: Any, emit: Any) -> None:
    """Add the ``models`` group to ``cli`` (the helpers are cli.py's, passed in)."""

    @cli.group()
    def models() -> None:
        """The sentence model of the similarity checks, on this machine."""

    @models.command()
    @click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
    @reports_errors
    def prepare(as_json: bool) -> None:
        """Make the int8 ONNX copy of the bundled sentence model (once; ~10 s)."""
        from curator.core.checks import onnx_embed

        target = onnx_embed.quantised_path()
        existed = target.exists()
        started = time.perf_counter()
        path = onnx_embed.prepare(target=target)
        result = {"path": str(path), "made": not existed,
                  "seconds": round(time.perf_counter() - started, 2),
                  "name": onnx_embed.MINILM_INT8_NAME}
        if as_json:
            emit(result)
        elif existed:
            click.echo(f"The sentence model is ready: {path}")
        else:
            click.echo(f"Made the sentence model in {result['seconds']} s: {path}")

    @models.command()
    @click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
    @reports_errors
    def status(as_json: bool) -> None:
        """Which sentence model scans use, and whether its copy is made."""
        import os

        from curator.core.checks import onnx_embed

        float_model = os.environ.get("CURATOR_EMBEDDER", "").strip().lower() == "float"
        target = onnx_embed.quantised_path()
        result = {"embedder": onnx_embed.MINILM_NAME if float_model
                  else onnx_embed.MINILM_INT8_NAME,
                  "quantised_path": str(target), "quantised_ready": target.exists()}
        if as_json:
            emit(result)
            return
        click.echo(f"Scans embed with {result['embedder']}.")
        click.echo(f"Quantised copy: {target} "
                   f"({'made' if target.exists() else 'not made yet: curator models prepare'})")
