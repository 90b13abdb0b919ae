"""Duplicates, near-duplicates and contradictions, and the diversity report.

Pure core (no Qt). Heavy imports (torch, sentence-transformers, faiss) happen lazily.

What is compared
----------------
Each valid, not-rejected record is split into three sides (:func:`sides`):

* **system** — its system messages. Left out of the embeddings: a system prompt is
  usually shared by every record, and prepending it pulled unrelated requests together
  (measured on ``tests/data/paraphrase_pairs.jsonl``, see ``docs/_pending/similarity.md``).
  It still counts for exact duplicates, and contradictions are only reported between
  records with the same system prompt (setting ``same_system_prompt``), since another
  system prompt may rightly ask for another answer.
* **input** — every non-system turn before the final assistant turn, joined.
* **output** — the final assistant turn (the preferred output of a preference pair).

Texts are normalised (casefold, whitespace collapsed; the model is uncased anyway) and
each distinct normalised text is embedded once, cached in ``embeddings`` by text hash and
model name, so a rescan embeds only new texts.

What is found
-------------
* ``duplicate`` / ``exact_duplicate``: records whose whole conversation is the same after
  normalisation (cluster kind ``exact``).
* ``near_duplicate`` / ``near_duplicate``: input cosine >= ``near_duplicate`` (a
  candidate), verified as the same request (``decisions.verdict``: no number, day,
  month, name or negation differs, and the calibrated model over cosine and word
  overlap says so), and output cosine >= ``near_duplicate_output`` (cluster kind
  ``near``; tight groups: every two members were decided alike, so nothing chains).
* ``contradiction`` / ``conflicting_output``: input cosine >= ``contradiction_input``,
  verified as the same request (a pair that differs in one detail may rightly have
  another answer), but
  outputs that differ: cosine < ``contradiction_output``, or both short answers (class
  labels, yes/no) that differ after normalisation. ``conflicting_label``: the same for
  final labels passed in as ``labels={record_id: label}`` (cluster kind
  ``contradiction``).

Every finding's ``detail`` holds ``related`` (other record keys), ``cluster`` (id in
``clusters``) and ``similarity``.

Rescans
-------
The neighbour search's result is kept in ``similarity_search`` (:func:`search_inputs`):
a rescan reuses the pairs among texts searched before and searches only new texts
against all, with the same result as a full search (see docs/architecture.md).

Modules
-------
``config`` (names, thresholds, the ``similarity`` setting), ``texts`` (the sides of a
conversation), ``corpus`` (the records taking part), ``vectors`` (cached embeddings),
``search`` (the stored neighbour search), ``decisions`` (one pair: near duplicate?
contradiction? how severe?), ``grouping`` (decided pairs into groups), ``analysis``
(records to groups), ``results`` (groups stored as clusters and findings), ``words``
(descriptions), ``job`` (the scan), ``cluster_review`` (list, show, keep one, dismiss),
``diversity`` (the diversity report). This package re-exports their public names.
"""

from curator.core.checks.similarity.analysis import Analysis, analyse
from curator.core.checks.similarity.cluster_review import (
    cluster_detail,
    cluster_findings,
    clusters,
    dismiss_cluster,
    keep_one,
)
from curator.core.checks.similarity.config import (
    CLUSTER_KINDS,
    DEFAULTS,
    FINDING_KINDS,
    SCAN_KINDS,
    SETTINGS_KEY,
    search_threshold,
    settings,
)
from curator.core.checks.similarity.corpus import Corpus, distinct_inputs, read_corpus
from curator.core.checks.similarity.decisions import conflict_reason, contradiction_severity
from curator.core.checks.similarity.diversity import diversity_report, pca_2d
from curator.core.checks.similarity.job import label_contradictions, similarity_scan
from curator.core.checks.similarity.search import forget_search, full_search, search_inputs
from curator.core.checks.similarity.texts import Sides, normalise, short_answer, sides
from curator.core.checks.similarity.vectors import embed_texts
from curator.core.checks.similarity.words import count_of, group_reason, groups_summary
from curator.core.checks.similarity_search import Pairs
from curator.core.conversation import text_hash

__all__ = [
    "CLUSTER_KINDS",
    "DEFAULTS",
    "FINDING_KINDS",
    "SCAN_KINDS",
    "SETTINGS_KEY",
    "Analysis",
    "Corpus",
    "Pairs",
    "Sides",
    "analyse",
    "cluster_detail",
    "cluster_findings",
    "clusters",
    "conflict_reason",
    "contradiction_severity",
    "count_of",
    "dismiss_cluster",
    "distinct_inputs",
    "diversity_report",
    "embed_texts",
    "forget_search",
    "full_search",
    "group_reason",
    "groups_summary",
    "keep_one",
    "label_contradictions",
    "normalise",
    "pca_2d",
    "read_corpus",
    "search_inputs",
    "search_threshold",
    "settings",
    "short_answer",
    "sides",
    "similarity_scan",
    "text_hash",
]
