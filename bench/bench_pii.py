"""PII benchmark: quality against gold spans, and speed against a naive loop.

    python bench/bench_pii.py [--count 20000] [--naive-count N] [--skip-quality] [--skip-speed]

Quality: ``tests/data/presidio_generated_small.json`` (100 texts with gold
spans, from microsoft/presidio-research). Its PROVENANCE notes one gold span off by one
(record 56: "Ayers" is at 20..25, the file says 21..26); gold spans whose offsets do not
hold their ``entity_value`` are re-anchored to the nearest occurrence of the value.
Curator (``curator.core.checks.pii``) at its default settings (per-type thresholds,
default entity types) is compared with plain Presidio at *its* defaults
(``AnalyzerEngine`` over ``NlpEngineProvider`` with the same spaCy model, every entity,
no score threshold). Per entity type: precision and recall, with a prediction counting
when it has the gold type and overlaps a gold span ("overlap") or matches it exactly
("exact"). Gold DOMAIN_NAME is Presidio's URL. TITLE ("Mr.", "Dr.") is not personal data
and is left out; ADDRESS is scored (Curator's street-address recognizer; plain Presidio
has none). Predictions are scored for the types the gold set annotates (a
US_BANK_NUMBER or NRP prediction cannot be judged against it). PERSONAL is every type
but ORGANIZATION; PERSONAL_NO_ADDRESS compares with the figures from before ADDRESS was
scored.

Typed scores say whether a span got the right name; **redaction coverage** says whether
the text would be hidden: a gold span of any personal type counts as covered when the
predicted spans of any personal type cover all its characters (a town annotated as
LOCATION inside a predicted ADDRESS is covered), and a predicted span counts as correct
when it overlaps a gold span of any personal type. Reported for every predicted span,
and for Curator also for the spans a default export redacts (tiers ``identifier`` and
``contextual``). It never replaces the typed scores.
``--threshold`` scores both at one global threshold instead (the old protocol).
``--markdown`` prints the per-type table for docs/benchmarks.md.

Speed: ``--count`` generated chat conversations with a repeated system prompt, imported
into a project; the real scan (``scan(store, ["pii"])``: distinct texts once, nlp.pipe
batches, worker processes, results cached in the project; then a rescan) against a naive
loop of ``AnalyzerEngine.analyze()`` over every message (``bench/baselines.py``; full
spaCy pipeline, parser included). Findings must be identical. With ``--naive-count`` the
naive loop runs on the first N conversations only and its time is scaled up (stated in
the output).

Network is blocked for the whole run (socket connect/getaddrinfo raise at once) and the
attempts are counted: Curator must make none. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ATTEMPTS: list[str] = []


def _block_network() -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        ATTEMPTS.append(repr(args[:2]))
        raise OSError("network disabled by bench_pii")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.getaddrinfo = refuse  # type: ignore[assignment]
    socket.create_connection = refuse  # type: ignore[assignment]


DATA = ROOT / "tests" / "data" / "presidio_generated_small.json"
GOLD_MAP = {"DOMAIN_NAME": "URL"}


def load_gold(path: Path) -> tuple[list[str], list[list[tuple[str, int, int]]], list[dict]]:
    records = json.loads(path.read_text(encoding="utf-8"))
    texts, golds, fixed = [], [], []
    for i, rec in enumerate(records):
        text = rec["full_text"]
        spans = []
        for s in rec["spans"]:
            a, b, value = s["start_position"], s["end_position"], s["entity_value"]
            if text[a:b] != value:
                near = [k for k in range(max(0, a - 3), a + 4) if text[k:k + len(value)] == value]
                if near:
                    fixed.append({"record": i, "value": value, "given": [a, b],
                                  "used": [near[0], near[0] + len(value)]})
                    a, b = near[0], near[0] + len(value)
            spans.append((GOLD_MAP.get(s["entity_type"], s["entity_type"]), a, b))
        texts.append(text)
        golds.append(spans)
    return texts, golds, fixed


UNSCORED = {"TITLE"}
#: Not personal data (company names, "Mr."): left out of PERSONAL and of coverage.
NOT_PERSONAL = {"ORGANIZATION", "TITLE"}


def score(golds: list[list[tuple[str, int, int]]],
          preds: list[list[tuple[str, int, int]]], exact: bool) -> dict[str, dict]:
    scored = {t for gold in golds for t, _, _ in gold} - UNSCORED
    golds = [[g for g in gold if g[0] in scored] for gold in golds]
    preds = [[p for p in pred if p[0] in scored] for pred in preds]
    tp_p: Counter[str] = Counter()
    n_p: Counter[str] = Counter()
    tp_g: Counter[str] = Counter()
    n_g: Counter[str] = Counter()
    for gold, pred in zip(golds, preds, strict=True):
        for t, a, b in gold:
            n_g[t] += 1
            if any(pt == t and ((pa, pb) == (a, b) if exact else pa < b and a < pb)
                   for pt, pa, pb in pred):
                tp_g[t] += 1
        for t, a, b in pred:
            n_p[t] += 1
            if any(gt == t and ((ga, gb) == (a, b) if exact else ga < b and a < gb)
                   for gt, ga, gb in gold):
                tp_p[t] += 1
    out = {}
    for t in sorted(set(n_g) | set(n_p)):
        out[t] = {"gold": n_g[t], "predicted": n_p[t],
                  "precision": round(tp_p[t] / n_p[t], 3) if n_p[t] else None,
                  "recall": round(tp_g[t] / n_g[t], 3) if n_g[t] else None}
    for row, left_out in (("ALL", set()), ("PERSONAL", {"ORGANIZATION"}),
                          ("PERSONAL_NO_ADDRESS", {"ORGANIZATION", "ADDRESS"})):
        g = sum(n for t, n in n_g.items() if t not in left_out)
        p = sum(n for t, n in n_p.items() if t not in left_out)
        tp, tg = (sum(n for t, n in c.items() if t not in left_out) for c in (tp_p, tp_g))
        out[row] = {"gold": g, "predicted": p,
                    "precision": round(tp / p, 3) if p else None,
                    "recall": round(tg / g, 3) if g else None}
    return out


def coverage(golds: list[list[tuple[str, int, int]]],
             preds: list[list[tuple[str, int, int]]]) -> dict:
    """Redaction coverage: gold personal spans whose characters the predicted personal
    spans (any type) all cover, and predicted personal spans overlapping a gold one."""
    covered = n_gold = right = n_pred = 0
    for gold, pred in zip(golds, preds, strict=True):
        gold = [g for g in gold if g[0] not in NOT_PERSONAL]
        pred = [p for p in pred if p[0] not in NOT_PERSONAL]
        hidden: set[int] = set()
        for _, a, b in pred:
            hidden.update(range(a, b))
        for _, a, b in gold:
            n_gold += 1
            covered += all(k in hidden for k in range(a, b))
        for _, a, b in pred:
            n_pred += 1
            right += any(ga < b and a < gb for _, ga, gb in gold)
    return {"gold": n_gold, "predicted": n_pred,
            "precision": round(right / n_pred, 3) if n_pred else None,
            "recall": round(covered / n_gold, 3) if n_gold else None}


def plain_presidio(model: str, threshold: float | None):
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]})
    engine = AnalyzerEngine(nlp_engine=provider.create_engine())

    def run(text: str) -> list[tuple[str, int, int]]:
        return [(r.entity_type, r.start, r.end)
                for r in engine.analyze(text, language="en", score_threshold=threshold)]
    # threshold None: Presidio's own default (AnalyzerEngine.default_score_threshold, 0)
    return run


def quality(threshold: float | None) -> dict:
    from curator.core.checks import pii

    texts, golds, fixed = load_gold(DATA)
    if threshold is None:          # both at their defaults
        analyzer, warnings = pii.build_analyzer(pii.PiiSettings())
    else:                          # the old protocol: one threshold, every type
        analyzer, warnings = pii.build_analyzer(pii.PiiSettings(threshold=threshold,
                                                                thresholds={}))
        analyzer = pii.Analyzer(analyzer.engine, analyzer.settings, analyzer.model_id,
                                analyzer.has_ner,
                                sorted(analyzer.engine.get_supported_entities("en")))
    before = len(ATTEMPTS)
    spans = pii.detect(texts, analyzer)
    curator_attempts = len(ATTEMPTS) - before
    cur = [[(s.entity_type, s.start, s.end) for s in found] for found in spans]
    redacted = [[(s.entity_type, s.start, s.end) for s in pii.redacted_by_default(t, found)]
                for t, found in zip(texts, spans, strict=True)]
    model = analyzer.model_id.split()[0]
    before = len(ATTEMPTS)
    run = plain_presidio(model, threshold)
    plain = [run(t) for t in texts]
    plain_attempts = len(ATTEMPTS) - before
    result = {"data": str(DATA.relative_to(ROOT)), "records": len(texts),
              "gold_fixed": fixed, "threshold": threshold or "defaults",
              "curator_thresholds": analyzer.settings.type_thresholds(),
              "curator_entities": analyzer.entities, "model": analyzer.model_id,
              "warnings": warnings,
              "network_attempts": {"curator": curator_attempts, "plain": plain_attempts}}
    for mode in ("overlap", "exact"):
        c, p = score(golds, cur, mode == "exact"), score(golds, plain, mode == "exact")
        worse = [f"{t}.{m}" for t in sorted(set(c) | set(p)) for m in ("precision", "recall")
                 if (p.get(t, {}).get(m) or 0) > (c.get(t, {}).get(m) or 0)]
        result[mode] = {"curator": c, "plain": p, "curator_worse_on": worse}
    result["redaction_coverage"] = {"curator": coverage(golds, cur),
                                    "curator_redacted_by_default": coverage(golds, redacted),
                                    "plain": coverage(golds, plain)}
    return result


# -- speed -------------------------------------------------------------------------------

FIRST = ["Maria", "John", "Aisha", "Wei", "Olga", "Carlos", "Priya", "Tom", "Fatima",
         "Lukas", "Emily", "Kenji", "Sara", "David", "Nadia", "Peter"]
LAST = ["Lopez", "Smith", "Khan", "Zhang", "Ivanova", "Garcia", "Patel", "Brown", "Haddad",
        "Schneider", "Clark", "Tanaka", "Rossi", "Miller", "Novak", "Jensen"]
CITIES = ["Boston", "Madrid", "Berlin", "Chicago", "Nairobi", "Osaka", "Lyon", "Denver"]
SYSTEM = ("You are Acme Bank's customer support assistant. Be polite and concise. Never ask "
          "for a full card number or a password. If the customer is upset, apologise once "
          "and move to a solution. Escalate fraud reports to a human agent.")
SYSTEM_B = "You are a helpful assistant for Acme Travel. Answer briefly."
USER = [
    "Hi, my name is {name} and I can't log in to my account.",
    "Please update my email to {email}, thanks.",
    "You can call me back on {phone} after 5pm.",
    "I was charged twice on my card {card}, can you refund one?",
    "I'm moving to {city} next month, do you have a branch there?",
    "How do I reset my password?",
    "What are your opening hours on Saturday?",
    "My colleague {name} said I should contact you about a loan.",
    "Can you send the statement to {email} and text me at {phone}?",
    "Is there a fee for international transfers?",
]
ASSISTANT = [
    "I'm sorry to hear that, {first}. I've sent a reset link to the email on file.",
    "Done! Your email is now {email}.",
    "Of course. An agent will call you on {phone}.",
    "I've opened a dispute for the duplicate charge; you'll hear from us in 3 to 5 days.",
    "Yes, we have two branches in {city}; both open at 9am.",
    "Go to Settings > Security > Reset password and follow the steps.",
    "We're open from 9am to 1pm on Saturdays.",
    "Happy to help with a loan. Could you tell me the amount you need?",
    "There is no fee for transfers within the EU; other transfers cost 5 EUR.",
    "Thanks for your patience. Is there anything else I can help with?",
]
CARDS = ["4532276644577020", "5474123209470398", "5213591727586604", "4111 1111 1111 1111"]


def generate(count: int, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    convs = []
    for _ in range(count):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        values = {"name": f"{first} {last}", "first": first,
                  "email": f"{first.lower()}.{last.lower()}{rnd.randint(1, 999)}@example.com",
                  "phone": f"+1 {rnd.randint(201, 989)} {rnd.randint(200, 999)} "
                           f"{rnd.randint(1000, 9999)}",
                  "card": rnd.choice(CARDS), "city": rnd.choice(CITIES)}
        msgs = [{"role": "system", "content": SYSTEM if rnd.random() < 0.9 else SYSTEM_B}]
        for _ in range(rnd.randint(1, 3)):
            msgs.append({"role": "user", "content": rnd.choice(USER).format(**values)})
            msgs.append({"role": "assistant", "content": rnd.choice(ASSISTANT).format(**values)})
        convs.append({"messages": msgs})
    return convs


def speed(count: int, naive_count: int | None) -> dict:
    import spacy

    from bench.baselines import naive_findings
    from curator.core.checks import pii

    convs = generate(count)
    messages = sum(len(c["messages"]) for c in convs)
    distinct = len({m["content"] for c in convs for m in c["messages"]})
    t0 = time.perf_counter()
    analyzer, _ = pii.build_analyzer(pii.PiiSettings())
    build = time.perf_counter() - t0
    # the real scan: a project file, every distinct text once, the cache, both cores
    import tempfile

    from curator.core.checks.scan import scan
    from curator.core.ingest import import_files
    from curator.core.jobs import run_job
    from curator.core.store import Store

    tmp = Path(tempfile.mkdtemp())
    data = tmp / "chats.jsonl"
    data.write_text("".join(json.dumps(c) + "\n" for c in convs))
    with Store.open(tmp / "bench.curator", create=True) as store:
        run_job(import_files(store, [data], actor="bench"))
        t0 = time.perf_counter()
        report = run_job(scan(store, ["pii"], actor="bench", pii_analyzer=analyzer))
        t_fast = time.perf_counter() - t0
        t0 = time.perf_counter()
        run_job(scan(store, ["pii"], actor="bench", pii_analyzer=analyzer))
        t_rescan = time.perf_counter() - t0
        stored: dict[int, list[dict]] = defaultdict(list)
        for row in store.db.execute(
                'SELECT r.line, f.code, f.message_index, f.start, f."end", f.text '
                "FROM findings f JOIN records r ON r.id = f.record_id WHERE f.kind = 'pii' "
                "ORDER BY r.line, f.message_index, f.start, f.\"end\", f.code"):
            stored[row[0] - 1].append(tuple(row[1:]))
    fast = [stored.get(i, []) for i in range(count)]

    # naive: the same recognizers, the full spaCy pipeline, analyze() per message
    naive_an, _ = pii.build_analyzer(pii.PiiSettings())
    name = naive_an.model_id.split()[0]
    naive_an.engine.nlp_engine.nlp = {"en": spacy.load(name)}
    n = min(naive_count or count, count)
    t0 = time.perf_counter()
    slow = naive_findings(convs[:n], naive_an)
    t_naive = (time.perf_counter() - t0) * (count / n)
    slow_rows = [sorted((f.code, f.message_index, f.start, f.end, f.text) for f in fs)
                 for fs in slow]
    same = [sorted(fs) for fs in fast[:n]] == slow_rows
    codes = Counter(f[0] for fs in fast for f in fs)
    return {"conversations": count, "messages": messages, "distinct_texts": distinct,
            "cores": os.cpu_count(), "build_analyzer_s": round(build, 2),
            "scan_s": round(t_fast, 2), "rescan_s": round(t_rescan, 2),
            "scan_report": {k: report.pii[k] for k in ("texts", "distinct_texts")},
            "naive_s": round(t_naive, 2),
            "naive_measured_on": n, "naive_extrapolated": n < count,
            "speedup": round(t_naive / t_fast, 2),
            "identical_findings": same, "compared_conversations": n,
            "findings": sum(codes.values()), "codes": dict(codes.most_common())}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--naive-count", type=int, default=None)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    _block_network()
    out: dict = {}
    if not args.skip_quality:
        if DATA.exists():
            out["quality"] = quality(args.threshold)
        else:
            out["quality"] = {"skipped": f"{DATA} not found"}
    if not args.skip_speed:
        before = len(ATTEMPTS)
        out["speed"] = speed(args.count, args.naive_count)
        out["speed"]["network_attempts"] = len(ATTEMPTS) - before
    out["network_attempts_total"] = len(ATTEMPTS)
    if args.markdown and "overlap" in out.get("quality", {}):
        print(markdown(out["quality"]))
    else:
        print(json.dumps(out, indent=1))


def markdown(q: dict) -> str:
    def f(v: float | None) -> str:
        return "-" if v is None else f"{v:.2f}"

    lines = [f"Model {q['model']}; {q['records']} texts; overlap (exact) matching.", "",
             "| Type | Gold | Curator P | Curator R | Presidio P | Presidio R |",
             "|---|---:|---:|---:|---:|---:|"]
    c, p = q["overlap"]["curator"], q["overlap"]["plain"]
    ce, pe = q["exact"]["curator"], q["exact"]["plain"]
    totals = ("ALL", "PERSONAL", "PERSONAL_NO_ADDRESS")
    for t in [*sorted(k for k in set(c) | set(p) if k not in totals), *totals]:
        a, b = c.get(t, {}), p.get(t, {})
        ae, be = ce.get(t, {}), pe.get(t, {})
        lines.append(
            f"| {t} | {a.get('gold', b.get('gold', 0))} "
            f"| {f(a.get('precision'))} ({f(ae.get('precision'))}) "
            f"| {f(a.get('recall'))} ({f(ae.get('recall'))}) "
            f"| {f(b.get('precision'))} ({f(be.get('precision'))}) "
            f"| {f(b.get('recall'))} ({f(be.get('recall'))}) |")
    lines.append("")
    lines.append("Curator worse than Presidio on: "
                 + (", ".join(q["overlap"]["curator_worse_on"]) or "nothing"))
    cov = q["redaction_coverage"]
    lines += ["", "Redaction coverage (gold personal spans, any type, whose characters "
              "personal predictions of any type cover; predictions overlapping one):", "",
              "| | Gold | Predicted | P | R |", "|---|---:|---:|---:|---:|"]
    for label, key in (("Curator, every span", "curator"),
                       ("Curator, redacted by default", "curator_redacted_by_default"),
                       ("Presidio, every span", "plain")):
        r = cov[key]
        lines.append(f"| {label} | {r['gold']} | {r['predicted']} | {f(r['precision'])} "
                     f"| {f(r['recall'])} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
