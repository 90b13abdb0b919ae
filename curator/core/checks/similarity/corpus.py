"""The records taking part in the similarity check, split in sides, and their texts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from curator.core.checks.similarity.decisions import Details, details
from curator.core.checks.similarity.texts import Sides, raw_input, sides
from curator.core.store.browse import conversations
from curator.core.store.store import Store


@dataclass(slots=True)
class Corpus:
    """The records taking part, their sides, and the distinct texts to embed."""

    ids: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    sides: list[Sides] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)          # distinct texts
    text_index: dict[str, int] = field(default_factory=dict)
    input_of: list[int] = field(default_factory=list)      # record -> text index
    output_of: list[int] = field(default_factory=list)     # record -> text index or -1
    #: per record: the words and details of its input as written, for verification
    details: list[Details] = field(default_factory=list)

    def _text(self, text: str) -> int:
        index = self.text_index.get(text)
        if index is None:
            index = self.text_index[text] = len(self.texts)
            self.texts.append(text)
        return index

    def add(self, record_id: int, key: str, s: Sides, written: str | None = None) -> None:
        """Add one record: its sides, and its input and output to the distinct texts.

        ``written`` is its input as written (case kept: names are told by it); the
        normalised input stands in without it.
        """
        self.details.append(details(s.input if written is None else written))
        self.ids.append(record_id)
        self.keys.append(key)
        self.sides.append(s)
        self.input_of.append(self._text(s.input))
        self.output_of.append(self._text(s.output) if s.output is not None else -1)


def read_corpus(store: Store, include_rejected: bool = False,
                on_batch: Callable[[int], None] | None = None) -> Corpus:
    """The valid records of ``store`` (not rejected ones, unless asked), split in sides."""
    corpus = Corpus()
    for rows in conversations(store, include_rejected):
        for record_id, key, conv in rows:
            parts = sides(conv)
            if parts.input or parts.output:
                corpus.add(record_id, key, parts, raw_input(conv))
        if on_batch:
            on_batch(len(corpus.ids))
    return corpus


def distinct_inputs(corpus: Corpus) -> list[int]:
    """The text indices of the corpus's distinct inputs, in text order (search rows)."""
    return sorted(set(corpus.input_of))
