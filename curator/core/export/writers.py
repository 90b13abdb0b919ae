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
import socket
import time
import uuid
from pathlib import Path
from typing import IO, Any

from curator.core import preference
from curator.core.conversation import text_of
from curator.core.errors import CuratorError, DiskFullError
from curator.core.jsontext import compact, file_digest

#: Top-level keys OpenAI's chat fine-tuning line defines (FineTuneChatRequestInput).
OPENAI_TOP_KEYS = ("messages", "tools", "parallel_tool_calls", "functions")
SHAREGPT_FROM = {"system": "system", "developer": "system", "user": "human",
                 "assistant": "gpt", "tool": "observation", "function": "observation"}
HF_MESSAGE_KEYS = ("role", "content", "name", "weight", "tool_calls", "tool_call_id")


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


#: Formats that write a preference pair whole (the others write its supervised example).
PAIR_FORMATS = ("openai", "sharegpt", "trl")


def pair_conversation(conv: dict[str, Any]) -> dict[str, Any]:
    """A preference pair as exported: prompt, tools, both answers (other keys dropped)."""
    out: dict[str, Any] = {"messages": [m for m in preference.prompt(conv)
                                        if isinstance(m, dict)]}
    for key in OPENAI_TOP_KEYS[1:]:
        if key in conv:
            out[key] = conv[key]
    for key, side in zip(preference.OUTPUT_KEYS, preference.outputs(conv), strict=True):
        out[key] = [m for m in side if isinstance(m, dict)]
    return out


def export_conversation(conv: dict[str, Any], fmt: str) -> dict[str, Any]:
    """What a record exports as in ``fmt``: a pair whole in :data:`PAIR_FORMATS`, else
    its supervised example (:func:`training_conversation`)."""
    if preference.is_preference(conv) and fmt in PAIR_FORMATS:
        return pair_conversation(conv)
    return training_conversation(conv)


def openai_line(conv: dict[str, Any], key: str, labels: dict[str, str] | None) -> dict[str, Any]:
    """OpenAI's chat line, or its preference line (``input``, ``preferred_output``,
    ``non_preferred_output``) for a pair."""
    if preference.is_preference(conv):
        source = {k: v for k, v in conv.items() if k not in preference.OUTPUT_KEYS}
        conv = {"input": source, **{k: conv[k] for k in preference.OUTPUT_KEYS}}
    if labels is not None:
        return {**conv, "labels": labels}
    return conv


def _sharegpt_turn(message: dict[str, Any]) -> dict[str, Any]:
    role = message.get("role")
    if role == "assistant" and message.get("tool_calls"):
        return {"from": "function_call",
                "value": compact([c.get("function", c) for c in message["tool_calls"]])}
    return {"from": SHAREGPT_FROM.get(str(role), str(role)),
            "value": text_of(message.get("content"))}


def _sharegpt_answer(side: list[dict[str, Any]]) -> dict[str, Any]:
    """One answer as LLaMA-Factory's single ``chosen``/``rejected`` turn."""
    if len(side) == 1:
        return _sharegpt_turn(side[0])
    return {"from": "gpt", "value": "\n\n".join(text_of(m.get("content")) for m in side)}


def sharegpt_line(conv: dict[str, Any], key: str,
                  labels: dict[str, str] | None) -> dict[str, Any]:
    """LLaMA-Factory's ShareGPT: ``from`` human/gpt/system/observation/function_call; a
    pair adds its answers as ``chosen`` and ``rejected`` turns."""
    turns = [_sharegpt_turn(message) for message in conv["messages"]]
    out: dict[str, Any] = {"id": key, "conversations": turns}
    if preference.is_preference(conv):
        chosen, rejected = preference.outputs(conv)
        out["chosen"], out["rejected"] = _sharegpt_answer(chosen), _sharegpt_answer(rejected)
    if "tools" in conv:
        out["tools"] = compact(conv["tools"])
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
            content = text_of(content) if only_text else compact(content)
        calls = message.get("tool_calls")
        messages.append({
            "role": message.get("role"), "content": content, "name": message.get("name"),
            "weight": message.get("weight"),
            "tool_calls": compact(calls) if calls is not None else None,
            "tool_call_id": message.get("tool_call_id"),
        })
    return {"id": key, "messages": messages,
            "tools": compact(conv["tools"]) if "tools" in conv else None,
            "labels": compact(labels) if labels is not None else None}


def _trl_message(message: dict[str, Any]) -> dict[str, Any]:
    """A message as TRL's conversational rows have it: text content, tool calls with
    their arguments as objects."""
    content = message.get("content")
    if isinstance(content, list) and all(
            isinstance(p, dict) and p.get("type", "text") == "text" for p in content):
        content = text_of(content)
    out: dict[str, Any] = {"role": message.get("role"), "content": content}
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        out["tool_calls"] = [_trl_call(call) for call in calls]
    return out


def _trl_call(call: Any) -> Any:
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("arguments"), str):
        return call
    try:
        arguments = json.loads(function["arguments"])
    except ValueError:
        return call
    return {"type": "function", "function": {**function, "arguments": arguments}}


def trl_line(conv: dict[str, Any], key: str, labels: dict[str, str] | None) -> dict[str, Any]:
    """TRL's conversational form: a pair as ``prompt``, ``chosen``, ``rejected`` message
    lists; any other record as ``messages``."""
    out: dict[str, Any]
    if preference.is_preference(conv):
        chosen, rejected = preference.outputs(conv)
        out = {"prompt": [_trl_message(m) for m in conv["messages"]],
               "chosen": [_trl_message(m) for m in chosen],
               "rejected": [_trl_message(m) for m in rejected]}
    else:
        out = {"messages": [_trl_message(m) for m in conv["messages"]]}
    if "tools" in conv:
        out["tools"] = conv["tools"]
    if labels is not None:
        out["labels"] = labels
    return out


LINES = {"openai": openai_line, "sharegpt": sharegpt_line, "hf": hf_line, "trl": trl_line}


def encode(line: dict[str, Any]) -> bytes:
    return (compact(line) + "\n").encode("utf-8", "surrogatepass")


# -- files -----------------------------------------------------------------------------------

def _open(path: Path) -> IO[bytes]:
    """Open a file for writing (tests replace this to simulate a full disk)."""
    return open(path, "wb")  # closed by write_file


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
    """The sha256 of a file written by an export."""
    return file_digest(path)[0]


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


# -- where an export may write ---------------------------------------------------------------

#: Written into a staging folder when it is made, so that a later export (or
#: :func:`recover`) knows the folder is Curator's; removed once the folder is published.
MARKER = ".curator-export-staging"
#: A staging folder from another machine (a shared folder) younger than this, in
#: seconds, may belong to an export still running there: recovery leaves it alone.
FOREIGN_GRACE = 3600
#: Staging folders this process is writing now (an export in another thread).
_ACTIVE: set[str] = set()
#: What an export writes besides its data files.
OWN_FILES = ("manifest.json", "README.md")
#: Names a staging folder's data files can have.
DATA_FILES = tuple(f"{split}.jsonl" for split in ("train", "validation", "eval"))


def real(path: Path) -> Path:
    """``path`` absolute, with every symlink resolved (whether it exists or not)."""
    return Path(os.path.realpath(path))


def project_paths(project: Path) -> set[Path]:
    """The project file and its SQLite companions, as named and with symlinks resolved."""
    out = set()
    for base in (project.absolute(), real(project)):
        for suffix in ("", "-wal", "-shm", "-journal"):
            out.add(Path(f"{base}{suffix}"))
    return out


def is_project_file(path: Path, project: Path) -> bool:
    """Whether writing ``path`` would write the project file or one of its journals."""
    target = real(path)
    candidates = project_paths(project)
    if target in candidates or path.absolute() in candidates:
        return True
    # A hard link is the same file under another name.
    for candidate in candidates:
        try:
            if target.exists() and candidate.exists() and os.path.samefile(target, candidate):
                return True
        except OSError:
            continue
    return False


def check_not_project(outdir: Path, project: Path) -> None:
    """Refuse an output folder that is, or contains, the project's folder."""
    target = real(outdir)
    for path in project_paths(project):
        if target == path or target in path.parents:
            raise CuratorError(
                f"{outdir} holds the project {project.name}; an export there could replace "
                f"it. Choose a folder of its own, e.g. {project.parent / 'export'}. "
                "Nothing was written.")


def _names(names: list[str]) -> str:
    shown = ", ".join(sorted(names)[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _plain_name(name: object) -> bool:
    return (isinstance(name, str) and name not in ("", ".", "..") and "/" not in name
            and "\\" not in name and os.sep not in name and "\x00" not in name)


def export_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a Curator export in ``folder`` (its files plain names), or None."""
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("app") != "curator":
        return None
    files = data.get("files")
    if not isinstance(files, dict) or not all(_plain_name(n) for n in files):
        return None
    return data


def export_files(manifest: dict[str, Any]) -> set[str]:
    """The names a previous export wrote: its listed files, manifest and card."""
    return set(manifest["files"]) | set(OWN_FILES)


def replaceable(outdir: Path) -> None:
    """Refuse to replace ``outdir`` unless it holds a previous export and nothing else."""
    entries = {p.name: p for p in outdir.iterdir()}
    manifest = export_manifest(outdir)
    if manifest is None:
        raise CuratorError(
            f"{outdir} is not a Curator export (no manifest.json listing its files) and "
            f"holds {_names(list(entries))}; overwriting replaces only a previous export. "
            "Choose an empty or new folder. Nothing was changed.")
    known = export_files(manifest) | {MARKER}
    unknown = [name for name, path in entries.items()
               if name not in known or (path.is_dir() and not path.is_symlink())]
    if unknown:
        raise CuratorError(
            f"{outdir} holds files its previous export did not write: {_names(unknown)}. "
            "Overwriting replaces only what Curator wrote; move them elsewhere first. "
            "Nothing was changed.")


def check_outdir(outdir: Path, overwrite: bool, project: Path | None = None) -> None:
    """Refuse the project's folder (or one above it), a file, and a folder with files in it
    unless ``overwrite`` and they are a previous export's, nothing else."""
    if project is not None:
        check_not_project(outdir, project)
    if outdir.exists() and not outdir.is_dir():
        raise CuratorError(f"{outdir} is a file; choose a folder for the export.")
    if outdir.is_dir() and any(outdir.iterdir()):
        if not overwrite:
            raise CuratorError(f"{outdir} is not empty; choose an empty or new folder, or "
                               "allow overwriting the previous export in it.")
        replaceable(outdir)
    if not outdir.parent.is_dir():
        raise CuratorError(f"Cannot export to {outdir}: the folder {outdir.parent} does "
                           "not exist.")


def make_staging(outdir: Path) -> Path:
    """A temporary folder beside ``outdir`` (same file system, so rename is atomic).

    It holds :data:`MARKER` until it is published, so the leftovers of a killed export
    can be told from a folder someone else made.
    """
    # mkdir, not mkdtemp: mkdtemp makes the folder private (0700), and it becomes OUTDIR.
    staging = outdir.parent / f".{outdir.name}.{uuid.uuid4().hex[:12]}.partial"
    try:
        staging.mkdir()
        mark = {"app": "curator", "outdir": str(outdir), "pid": os.getpid(),
                "host": socket.gethostname()}
        (staging / MARKER).write_text(json.dumps(mark), encoding="utf-8")
        _ACTIVE.add(str(staging))
        return staging
    except OSError as exc:
        if staging.is_dir():
            _remove_own(staging, set(DATA_FILES) | set(OWN_FILES) | {MARKER})
        raise os_error(exc, outdir) from None


def publish(staging: Path, outdir: Path, overwrite: bool) -> list[str]:
    """Move the finished ``staging`` folder to ``outdir``, replacing a previous export if
    allowed; returns notes for the user (an old folder that could not be removed)."""
    old: Path | None = None
    try:
        if outdir.exists():
            if any(outdir.iterdir()):
                if not overwrite:
                    raise CuratorError(f"{outdir} is not empty any more; nothing was written.")
                replaceable(outdir)        # again: files may have appeared meanwhile
            old = outdir.parent / f"{staging.name}.old"
            os.rename(outdir, old)
        os.rename(staging, outdir)
        _ACTIVE.discard(str(staging))
    except OSError as exc:
        if old is not None and not outdir.exists():
            os.rename(old, outdir)
        raise os_error(exc, outdir) from None
    try:
        (outdir / MARKER).unlink()
    except OSError:
        pass                               # recover() removes it next time
    return remove_export(old) if old is not None else []


def _remove_own(folder: Path, names: set[str]) -> bool:
    """Delete ``names`` in ``folder`` (files only), then the folder if that empties it."""
    for name in names:
        path = folder / name
        if path.is_file() or path.is_symlink():
            try:
                path.unlink()
            except OSError:
                pass
    try:
        folder.rmdir()
    except OSError:
        return False
    return True


def remove_export(folder: Path) -> list[str]:
    """Delete a replaced export: only the files its manifest lists, manifest and card."""
    manifest = export_manifest(folder)
    names = (export_files(manifest) if manifest else set(OWN_FILES)) | {MARKER}
    if _remove_own(folder, names):
        return []
    left = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    note = (f"The previous export was moved to {folder} and kept there, because it holds "
            f"files Curator did not write ({_names(left)}).")
    return [note]


# -- leftovers of an export that was killed --------------------------------------------------

def _staging_mark(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("app") == "curator" else None


def running(mark: dict[str, Any], folder: Path | str) -> bool:
    """Whether the export that made a staging ``folder`` (its :data:`MARKER` ``mark``)
    may still be running: in this process, in a live process on this machine, or on
    another machine within :data:`FOREIGN_GRACE` of the folder's last change."""
    pid = mark.get("pid")
    if not isinstance(pid, int):
        return False
    if mark.get("host") != socket.gethostname():
        try:
            age = time.time() - os.stat(folder).st_mtime
        except OSError:
            return False
        return age < FOREIGN_GRACE
    if pid == os.getpid():
        return str(folder) in _ACTIVE
    if os.name != "posix":
        return True                         # no safe liveness probe: leave it be
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True                         # alive, another user's
    return True


def complete_export(folder: Path) -> bool:
    """Whether ``folder`` holds a whole Curator export (every listed file, hash matching)."""
    manifest = export_manifest(folder)
    if manifest is None:
        return False
    for name, sha in manifest["files"].items():
        path = folder / name
        try:
            if not path.is_file() or file_sha256(path) != sha:
                return False
        except OSError:
            return False
    return True


def recover(outdir: str | Path) -> list[str]:
    """Clean up after a killed export to ``outdir``; what was done, in words.

    Removes staging folders beside ``outdir`` that carry Curator's :data:`MARKER` (and
    whose export is not running), only the files Curator writes in them. When ``outdir``
    is missing and a ``.partial.old`` folder beside it holds a complete earlier export
    (a kill between the two renames of an overwrite), renames it back; an incomplete one
    is left where it is and named. Safe to call at any time, e.g. at start-up.
    """
    outdir = real(Path(outdir))
    notes: list[str] = []
    prefix = f".{outdir.name}."
    try:
        siblings = [p for p in outdir.parent.iterdir()
                    if p.name.startswith(prefix) and p.is_dir() and not p.is_symlink()]
    except OSError:
        return notes
    stray = outdir / MARKER
    if stray.is_file() and _staging_mark(outdir) is not None:
        stray.unlink(missing_ok=True)       # killed right after publishing
    for folder in sorted(p for p in siblings if p.name.endswith(".partial")):
        mark = _staging_mark(folder)
        if mark is None:
            continue                        # not made by Curator: not ours to touch
        if running(mark, folder):
            notes.append(f"{folder} belongs to an export that is still running; left alone.")
            continue
        if _remove_own(folder, set(DATA_FILES) | set(OWN_FILES) | {MARKER}):
            notes.append(f"Removed {folder}, left by an export that was interrupted.")
        else:
            notes.append(f"{folder} was left by an export that was interrupted; it holds "
                         "files Curator did not write, so it was kept.")
    olds = sorted(p for p in siblings if p.name.endswith(".partial.old")
                  and export_manifest(p) is not None)
    complete = [p for p in olds if complete_export(p)]
    if not outdir.exists() and len(complete) == 1:
        os.rename(complete[0], outdir)
        notes.append(f"Restored the previous export to {outdir} (an export that was "
                     f"replacing it was interrupted).")
        olds.remove(complete[0])
    elif outdir.is_dir() and complete_export(outdir):
        # The replacement is in place; the old export is what --overwrite meant to delete.
        for folder in olds:
            kept = remove_export(folder)
            notes += kept or [(f"Removed {folder}, the export replaced by an overwrite "
                               "that was interrupted before it could remove it.")]
        olds = []
    for folder in olds:
        state = "complete" if folder in complete else "incomplete"
        notes.append(f"An earlier export of {outdir.name} ({state}) is in {folder}; "
                     "Curator left it there. Move it back or delete it yourself.")
    return notes


def discard(staging: Path | None) -> None:
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
        _ACTIVE.discard(str(staging))
