"""PII on real LLM chat data with no private person's data: what a default export redacts.

    python bench/bench_pii_chat.py [--examples 10] [--markdown]

Issue 15, goal 2: at most 0.1 placeholders per exported record in a default export of
real chat data that holds no private person's data. The data are the public chat sets in
``tests/data`` (LLaMA-Factory's alpaca and glaive tool-call demos, the OpenAI cookbook toy
chat, the Bedrock JSON-mode set, FastChat's dummy conversations, the pirate set): famous
and fictional people, countries, code, JSON, tool calls, and essentially no one's own
name, address or number.

Every string of every record is analysed with Curator's default settings (as an export
does for the strings it writes; keys ``role``, ``from`` and ``type`` are labels, not
text). Reported: the spans by tier and by type, the spans a default export redacts
(``identifier`` and ``contextual`` tiers; ``public`` ones only once a person confirms
them, and nobody has here), the placeholders those make (overlapping spans merged, as
the redactor does) per record, and the most frequent redacted texts so a reader can
judge them. Prints one JSON document (or a Markdown summary with ``--markdown``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DATA = ROOT / "tests" / "data"
SETS = [
    "llamafactory_alpaca_en_demo.json",
    "llamafactory_glaive_toolcall_en_demo_sharegpt.json",
    "toy_chat_fine_tuning.jsonl",
    "anthropic_bedrock_claude_json_mode_dataset.jsonl",
    "fastchat_dummy_conversation_sharegpt.json",
    "pirate_training_set.jsonl",
]
LABEL_KEYS = frozenset({"role", "from", "type"})


def records(path: Path) -> list[list[str]]:
    """Each record's strings (every string value but role labels), in order."""
    raw = path.read_text(encoding="utf-8")
    rows = json.loads(raw) if path.suffix == ".json" else [
        json.loads(line) for line in raw.splitlines() if line.strip()]
    return [list(_strings(row)) for row in rows]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.strip():
            yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in LABEL_KEYS:
                yield from _strings(item)


def placeholders(spans: list[tuple[int, int]]) -> int:
    """How many placeholders ``spans`` of one text become (overlaps merged)."""
    count, end = 0, -1
    for a, b in sorted(spans):
        if a >= end:
            count += 1
            end = b
        else:
            end = max(end, b)
    return count


def run(examples: int) -> dict[str, Any]:
    from curator.core.checks import pii

    analyzer, warnings = pii.build_analyzer(pii.PiiSettings())
    by_tier: Counter[str] = Counter()
    by_type: dict[str, Counter[str]] = defaultdict(Counter)
    redacted_types: Counter[str] = Counter()
    redacted_texts: dict[str, Counter[str]] = defaultdict(Counter)
    sets = []
    total_records = total_placeholders = 0
    for name in SETS:
        recs = records(DATA / name)
        flat = [t for r in recs for t in r]
        found = pii.detect(flat, analyzer)
        made = 0
        for text, spans in zip(flat, found, strict=True):
            tiers = pii.span_tiers(text, spans)
            kept = []
            for s, tier in zip(spans, tiers, strict=True):
                by_tier[tier] += 1
                by_type[s.entity_type][tier] += 1
                if tier != "public":
                    kept.append((s.start, s.end))
                    redacted_types[s.entity_type] += 1
                    redacted_texts[s.entity_type][text[s.start:s.end]] += 1
            made += placeholders(kept)
        sets.append({"set": name, "records": len(recs), "strings": len(flat),
                     "placeholders": made,
                     "per_record": round(made / len(recs), 3) if recs else None})
        total_records += len(recs)
        total_placeholders += made
    return {
        "model": analyzer.model_id, "warnings": warnings, "records": total_records,
        "strings": sum(s["strings"] for s in sets),
        "spans": sum(by_tier.values()), "spans_by_tier": dict(by_tier.most_common()),
        "spans_by_type": {t: dict(c.most_common()) for t, c in
                          sorted(by_type.items(), key=lambda kv: -sum(kv[1].values()))},
        "redacted_spans": dict(redacted_types.most_common()),
        "placeholders": total_placeholders,
        "placeholders_per_record": round(total_placeholders / total_records, 3),
        "goal_per_record": 0.1, "sets": sets,
        "redacted_examples": {t: c.most_common(examples)
                              for t, c in sorted(redacted_texts.items())},
    }


def markdown(r: dict[str, Any]) -> str:
    lines = [f"Model {r['model']}; {r['records']:,} records, {r['strings']:,} strings.", "",
             "| Type | spans | identifier | contextual | public |", "|---|---:|---:|---:|---:|"]
    for t, c in r["spans_by_type"].items():
        lines.append(f"| {t} | {sum(c.values()):,} | {c.get('identifier', 0):,} "
                     f"| {c.get('contextual', 0):,} | {c.get('public', 0):,} |")
    tiers = r["spans_by_tier"]
    lines.append(f"| all | {r['spans']:,} | {tiers.get('identifier', 0):,} "
                 f"| {tiers.get('contextual', 0):,} | {tiers.get('public', 0):,} |")
    lines += ["", "| Set | records | placeholders | per record |", "|---|---:|---:|---:|"]
    for s in r["sets"]:
        lines.append(f"| {s['set']} | {s['records']:,} | {s['placeholders']:,} "
                     f"| {s['per_record']:.3f} |")
    lines.append(f"| **all** | {r['records']:,} | {r['placeholders']:,} "
                 f"| **{r['placeholders_per_record']:.3f}** (goal <= 0.1) |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10,
                        help="most frequent redacted texts shown per type")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    result = run(args.examples)
    print(markdown(result) if args.markdown else json.dumps(result, indent=1,
                                                             ensure_ascii=False))


if __name__ == "__main__":
    main()
