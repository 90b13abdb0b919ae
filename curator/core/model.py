"""The data Curator passes around: canonical conversations, findings, reports.

A *canonical conversation* is a plain JSON object (a ``dict``), whatever shape the input
line had (OpenAI chat, Bedrock, ShareGPT, Alpaca, preference pairs):

``{"messages": [{"role": ..., "content": ..., <any other keys as given>}, ...],``
`` "tools": [...],                 # only when the input had tools``
`` "parallel_tool_calls": bool,    # only when given``
`` "preferred_output": [...], "non_preferred_output": [...],   # preference pairs only``
`` <other keys>: ...}              # top-level keys no reader consumed, e.g. "id"``

Messages keep every key they arrived with, right or wrong, so the schema checks can see
exactly what the user wrote (LLaMA-Factory v1's ``value`` text parts and ``loss_weight``
are the one respelling, see ``ingest/shapes.py``). Plain dicts rather than pydantic
models here: a model would refuse the malformed data that Curator exists to show.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

# Re-exported (the ``as`` form says so): the names live in vocabulary.py, light to import.
from curator.core.vocabulary import FORMATS as FORMATS
from curator.core.vocabulary import REVIEW_STATES as REVIEW_STATES

Severity = Literal["error", "warning", "info"]



Conversation = dict[str, Any]


class FindingDraft(BaseModel):
    """A problem a check found, before it is stored against a record."""

    kind: str
    code: str
    severity: Severity = "error"
    description: str
    message_index: int | None = None
    start: int | None = None
    end: int | None = None
    text: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class Note(BaseModel):
    """Something a reader noticed while normalising a record (kept, shown as a finding)."""

    code: str
    description: str
    message_index: int | None = None


class SourceReport(BaseModel):
    """What importing one file did."""

    name: str
    path: str
    sha256: str
    records: int = 0
    valid: int = 0
    invalid: int = 0
    blank_lines: int = 0
    encoding: str = "utf-8"
    layout: str = "jsonl"
    skipped: bool = False
    skipped_reason: str | None = None
    formats: dict[str, int] = Field(default_factory=dict)
    #: Preference records by the shape they came in (``preference.SHAPES``).
    preference_shapes: dict[str, int] = Field(default_factory=dict)
    errors: list[dict[str, Any]] = Field(default_factory=list)


class ImportReport(BaseModel):
    """What an import of one or more files did (the ``import --json`` document)."""

    records: int = 0
    valid: int = 0
    invalid: int = 0
    sources: list[SourceReport] = Field(default_factory=list)
    failed: list[dict[str, str]] = Field(default_factory=list)

    def add(self, source: SourceReport) -> None:
        self.sources.append(source)
        self.records += source.records
        self.valid += source.valid
        self.invalid += source.invalid
