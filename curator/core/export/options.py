"""What an export is asked to do, and the names of its exclusion reasons."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from curator.core.errors import CuratorError

#: Why a record was left out, in the fixed order reasons are tried. A record excluded
#: for several reasons is counted once, under the first of these that applies.
REASONS: dict[str, str] = {
    "invalid": "could not be read as an example",
    "schema_error": "has an open schema error",
    "rejected": "was rejected in review",
    "needs_edit": "is marked needs-edit",
    "unreviewed": "has not been reviewed",
    "source": "comes from a source file not chosen",
    "pii": "contains personal data (PII mode: exclude)",
    "contradiction": "contradicts another record",
    "no_label": "lacks a final label",
    "label_filter": "has a label value not chosen",
    "exact_duplicate": "repeats an earlier record exactly",
    "export_check": "fails OpenAI chat checks as exported",
    "duplicate_as_exported": "repeats an earlier record as exported (e.g. once names "
                             "are redacted)",
}

SPLITS = ("train", "validation", "eval")
#: Hugging Face split names for the files (an eval hold-out is HF's ``test``).
HF_SPLIT = {"train": "train", "validation": "validation", "eval": "test"}

Format = Literal["openai", "sharegpt", "hf", "trl"]
FORMATS: dict[str, str] = {
    "openai": "OpenAI chat JSONL",
    "sharegpt": "ShareGPT (conversations of from/value)",
    "hf": "Hugging Face (messages with text content, JSON-encoded extras)",
    "trl": "TRL conversational (messages)",
}
#: What each format writes for preference pairs (the formats that take them whole;
#: ``hf`` writes a pair's prompt and preferred answer as a chat).
PREFERENCE_FORMATS: dict[str, str] = {
    "openai": "OpenAI preference fine-tuning JSONL (input, preferred_output, "
              "non_preferred_output)",
    "sharegpt": "LLaMA-Factory ShareGPT preference (conversations, chosen, rejected)",
    "trl": "TRL conversational preference (prompt, chosen, rejected as message lists)",
}


class ExportOptions(BaseModel):
    """Everything that decides an export's content; saved in its manifest.

    Safe defaults: PII is redacted, rejected and needs-edit records, records with open
    schema errors, open contradictions and exact duplicates (all but the first) are left
    out; unreviewed records are kept (a project is rarely fully reviewed).
    """

    model_config = ConfigDict(extra="forbid")

    val_fraction: float = Field(0.1, ge=0.0, lt=1.0)
    eval_fraction: float = Field(0.0, ge=0.0, lt=1.0)
    seed: int = 0
    #: Label field whose final label stratifies the splits.
    stratify: str | None = None
    pii: Literal["redact", "exclude", "keep"] = "redact"
    #: Redact to ``<PERSON_1>``, ``<PERSON_2>`` ... (one number per distinct value).
    pseudonyms: bool = False
    format: Format = "openai"
    labels: Literal["none", "metadata"] = "none"
    include_unreviewed: bool = True
    include_needs_edit: bool = False
    include_contradictions: bool = False
    #: Leave out records with no final label for this field.
    require_label: str | None = None
    #: Only these source files (by name); None means all.
    sources: list[str] | None = None
    #: Only records whose final label of a field is one of the values.
    label_values: dict[str, list[str]] = Field(default_factory=dict)
    #: Readiness items whose warnings the user accepted (by id).
    accept: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fractions(self) -> ExportOptions:
        if self.val_fraction + self.eval_fraction >= 1.0:
            raise ValueError("validation and eval fractions must leave some training data")
        return self

    @classmethod
    def make(cls, **values: object) -> ExportOptions:
        """Options from user input, with a one-line :class:`CuratorError` when wrong."""
        try:
            return cls.model_validate(values)
        except ValueError as exc:
            errors: list[Any] = list(getattr(exc, "errors", lambda: [])())
            if errors:
                first = errors[0]
                where = ".".join(str(p) for p in first.get("loc", ()))
                text = first.get("msg", str(exc)).removeprefix("Value error, ")
                raise CuratorError(f"Export option {where or ''}: {text}.".replace(
                    "option : ", "options: ")) from None
            raise CuratorError(f"Export options: {exc}") from None

    def key(self) -> dict[str, object]:
        """The options as saved in a manifest (sorted, JSON-ready)."""
        return self.model_dump(mode="json")
