"""Output formats, and an output folder that appears whole or not at all.

Lines are JSON with ``ensure_ascii=False`` and compact separators, keys in the order the
record had them, ``\\n`` line endings: the same conversations give the same bytes.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import IO, Any

from curator.core.conversation import text_of
from curator.core.errors import CuratorError, DiskFullError

#: Top-level keys OpenAI's chat fine-tuning line defines (FineTuneChatRequestInput).
OPENAI_TOP_KEYS = ("messages", "tools", "parallel_tool_calls", "functions")
SHAREGPT_FROM = {"system": "system", "developer": "system", "user": "human",
                 "assistant": "gpt", "tool": "observation", "function": "observation"}
HF_MESSAGE_KEYS = ("role", "content", "name", "weight", "tool_calls", "tool_call_id")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def training_conversation(conv: dict[str, Any]) -> dict[str, Any]:
    """The supervised example of a canonical conversation, OpenAI's top-level keys only.

    A preference pair becomes its input followed by its preferred output.
    """
    messages = list(conv.get("messages") or [])
    preferred = conv.get("preferred_output")
    if isinstance(preferred, list):
        messages.extend(m for m in preferred if isinstance(m, dict))
    out: dict[str, Any] = {"messages": messages}
    for key in OPENAI_TOP_KEYS[1:]:
        if key in conv:
            out[key] = conv[key]
    return out


def openai_line(conv: dict[str, Any], key: str, labels: dict[str, str] | None) -> dict[str, Any]:
    if labels is not None:
        return {**conv, "labels": labels}
    return conv


def sharegpt_line(conv: dict[str, Any], key: str,
                  labels: dict[str, str] | None) -> dict[str, Any]:
    """LLaMA-Factory's ShareGPT: ``from`` human/gpt/system/observation/function_call."""
    turns = []
    for message in conv["messages"]:
        role = message.get("role")
        if role == "assistant" and message.get("tool_calls"):
            value = _dumps([c.get("function", c) for c in message["tool_calls"]])
            turns.append({"from": "function_call", "value": value})
            continue
        turns.append({"from": SHAREGPT_FROM.get(role, str(role)),
                      "value": text_of(message.get("content"))})
    out: dict[str, Any] = {"id": key, "conversations": turns}
    if "tools" in conv:
        out["tools"] = _dumps(conv["tools"])
    if labels is not None:
        out["labels"] = labels
    return out


def hf_line(conv: dict[str, Any], key: str, labels: dict[str, str] | None) -> dict[str, Any]:
    """Messages of one fixed shape, so Arrow infers one schema for any mix of records.

    ``content`` is always a string (text parts joined; other content as JSON), every
    message has every key of :data:`HF_MESSAGE_KEYS` (null when absent), tool calls and
    tools are JSON strings, labels a JSON object string.
    """
    messages = []
    for message in conv["messages"]:
        content = message.get("content")
        if content is not None and not isinstance(content, str):
            only_text = isinstance(content, list) and all(
                isinstance(p, dict) and p.get("type", "text") == "text" for p in content)
            content = text_of(content) if only_text else _dumps(content)
        calls = message.get("tool_calls")
        messages.append({
            "role": message.get("role"), "content": content, "name": message.get("name"),
            "weight": message.get("weight"),
            "tool_calls": _dumps(calls) if calls is not None else None,
            "tool_call_id": message.get("tool_call_id"),
        })
    return {"id": key, "messages": messages,
            "tools": _dumps(conv["tools"]) if "tools" in conv else None,
            "labels": _dumps(labels) if labels is not None else None}


LINES = {"openai": openai_line, "sharegpt": sharegpt_line, "hf": hf_line}


def encode(line: dict[str, Any]) -> bytes:
    return (_dumps(line) + "\n").encode("utf-8", "surrogatepass")


# -- files -----------------------------------------------------------------------------------

def _open(path: Path) -> IO[bytes]:
    """Open a file for writing (tests replace this to simulate a full disk)."""
    return open(path, "wb")  # noqa: SIM115 - closed by write_file


def write_file(path: Path, chunks: list[bytes]) -> str:
    """Write ``chunks`` to ``path``, flushed to disk; returns the sha256."""
    digest = hashlib.sha256()
    with _open(path) as handle:
        buffer: list[bytes] = []
        size = 0
        for chunk in chunks:
            digest.update(chunk)
            buffer.append(chunk)
            size += len(chunk)
            if size >= 1 << 20:
                handle.write(b"".join(buffer))
                buffer, size = [], 0
        if buffer:
            handle.write(b"".join(buffer))
        handle.flush()
        os.fsync(handle.fileno())
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def os_error(exc: OSError, where: Path) -> CuratorError:
    """Words for an ``OSError`` met while writing an export."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(f"The disk is full, so the export to {where} was not written "
                             "(nothing was left behind). Free some space and try again.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return CuratorError(f"Curator may not write in {where.parent} ({exc.strerror}); "
                            "choose another output folder. Nothing was written.")
    return CuratorError(f"The export to {where} failed: {exc.strerror or exc}. "
                        "Nothing was left behind.")


def check_outdir(outdir: Path, overwrite: bool) -> None:
    """Refuse a folder that has files in it (unless ``overwrite``) or is a file."""
    if outdir.exists() and not outdir.is_dir():
        raise CuratorError(f"{outdir} is a file; choose a folder for the export.")
    if outdir.is_dir() and any(outdir.iterdir()) and not overwrite:
        raise CuratorError(f"{outdir} is not empty; choose an empty or new folder, or "
                           "allow overwriting it.")
    if not outdir.parent.is_dir():
        raise CuratorError(f"Cannot export to {outdir}: the folder {outdir.parent} does "
                           "not exist.")


def make_staging(outdir: Path) -> Path:
    """A temporary folder beside ``outdir`` (same file system, so rename is atomic)."""
    # mkdir, not mkdtemp: mkdtemp makes the folder private (0700), and it becomes OUTDIR.
    staging = outdir.parent / f".{outdir.name}.{uuid.uuid4().hex[:12]}.partial"
    try:
        staging.mkdir()
        return staging
    except OSError as exc:
        raise os_error(exc, outdir) from None


def publish(staging: Path, outdir: Path, overwrite: bool) -> None:
    """Move the finished ``staging`` folder to ``outdir`` (replacing it if allowed)."""
    old: Path | None = None
    try:
        if outdir.exists():
            if any(outdir.iterdir()) and not overwrite:
                raise CuratorError(f"{outdir} is not empty any more; nothing was written.")
            old = outdir.parent / f"{staging.name}.old"
            os.rename(outdir, old)
        os.rename(staging, outdir)
    except OSError as exc:
        if old is not None and not outdir.exists():
            os.rename(old, outdir)
        raise os_error(exc, outdir) from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def discard(staging: Path | None) -> None:
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
