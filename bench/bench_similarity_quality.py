"""Quality of the duplicate / contradiction check at its defaults (issue 16).

Parts, printed and collected in one JSON document (``--json PATH``), all with the
default embedder (all-MiniLM-L6-v2 as int8 ONNX, offline; ``CURATOR_EMBEDDER=float``
for the float model):

1. **Pairs**: is a pair the same request? On the STS benchmark subset
   (tests/data/stsb_test_ccbysa_subset.csv, CC-BY-SA: score >= 4 same, <= 2.5 not,
   in between left out) and the input pairs of tests/data/paraphrase_pairs.jsonl.
   Precision / recall of the defaults (candidate cosine, then verification) against
   every single cosine threshold: the old default (0.90), the best F1, and the best
   recall at the defaults' precision.
2. **Support tickets**, each set scanned by ``similarity_scan`` at the defaults and
   with the old settings (cosine 0.90, no verification; plus the old connected
   components over those pairs), near-duplicate and contradiction precision / recall
   over record pairs and the near-group sizes:
   * ``free_rewordings``: :func:`support_set` (70 records): rewordings of one ticket
     written freely (MiniLM cosines down to 0.25), one-detail variants that rightly
     have other answers, one record per ticket with a wrong answer (the same wrong
     text for every variant of a family, so those are near duplicates of each other:
     one-detail variants with the same answer);
   * ``tickets_dev`` / ``tickets_check``: bench/support_tickets.py (84 records each,
     the two halves of its families): plain rewordings made by meaning-keeping edits,
     as issue 16 describes its held-out tickets, one-detail variants with their own
     answers, a wrong answer per ticket that stays close in topic.
3. ``--fit``: refit the same-request model (decisions.SAME_REQUEST_COEF) on part 1's
   pairs; print the coefficients and the decision's in-sample and 5-fold
   cross-validated precision / recall per set.
4. ``--chaining N`` (alone): issue 16's chaining case, N conversations of
   bench/generate.py scanned at the defaults: candidate pairs, phase timings (these
   depend on the machine's load, printed with it), the near-group sizes and the
   largest group's similarity floor.

Run: ``python bench/bench_similarity_quality.py [--json out.json] [--fit]`` (about a
minute); ``python bench/bench_similarity_quality.py --chaining 5000 --json chain.json``.
Quality figures do not depend on machine load.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402

from curator.core.checks import similarity as sim  # noqa: E402
from curator.core.checks.embed import default_embedder  # noqa: E402
from curator.core.checks.similarity.decisions import (  # noqa: E402
    details,
    differing,
    pair_features,
    verdict,
)
from curator.core.disjoint import DisjointSets  # noqa: E402
from curator.core.ingest import import_files  # noqa: E402
from curator.core.jobs import run_job  # noqa: E402
from curator.core.store import Store  # noqa: E402

DATA = ROOT / "tests" / "data"


def log(*args: Any) -> None:
    print(*args, flush=True)


# -- part 1: pairs -------------------------------------------------------------------


def load_pairs() -> list[dict[str, Any]]:
    """STS (same: score >= 4, not: <= 2.5) and paraphrase_pairs.jsonl input pairs."""
    rows: list[dict[str, Any]] = []
    with (DATA / "stsb_test_ccbysa_subset.csv").open(encoding="utf-8") as f:
        for r in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            score = float(r[4])
            if score >= 4 or score <= 2.5:
                rows.append({"set": "sts", "a": r[5].strip(), "b": r[6].strip(),
                             "same": score >= 4})
    for line in (DATA / "paraphrase_pairs.jsonl").read_text(encoding="utf-8").splitlines():
        p = json.loads(line)
        if p["side"] == "input":
            rows.append({"set": "paraphrase_pairs", "a": p["a"], "b": p["b"],
                         "same": bool(p["paraphrase"])})
    return rows


def add_cosines(rows: list[dict[str, Any]], embedder: Any) -> None:
    texts = sorted({sim.normalise(t) for r in rows for t in (r["a"], r["b"])})
    vectors = embedder.encode(texts)
    index = {t: k for k, t in enumerate(texts)}
    for r in rows:
        r["cos"] = float(vectors[index[sim.normalise(r["a"])]]
                         @ vectors[index[sim.normalise(r["b"])]])


def pr(predicted: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    tp = int((predicted & truth).sum())
    fp = int((predicted & ~truth).sum())
    fn = int((~predicted & truth).sum())
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def defaults_decide(rows: list[dict[str, Any]]) -> np.ndarray:
    """The pair decision at the defaults: candidate cosine, then verification."""
    config = sim.DEFAULTS
    return np.array([r["cos"] >= config["near_duplicate"]
                     and verdict(details(r["a"]), details(r["b"]), r["cos"])
                     >= config["same_request"] for r in rows])


def part_pairs(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("sts", "paraphrase_pairs", "both"):
        chosen = [r for r in rows if name == "both" or r["set"] == name]
        truth = np.array([r["same"] for r in chosen])
        cos = np.array([r["cos"] for r in chosen])
        ours = pr(defaults_decide(chosen), truth)
        sweep = {round(float(t), 2): pr(cos >= t, truth) for t in np.arange(0.40, 0.991, 0.01)}
        best_f1 = max(sweep.items(), key=lambda kv: kv[1]["f1"])
        at_precision = [kv for kv in sweep.items()
                        if kv[1]["precision"] >= ours["precision"]]
        best_recall = max(at_precision, key=lambda kv: kv[1]["recall"]) if at_precision \
            else None
        out[name] = {
            "pairs": len(chosen), "same": int(truth.sum()), "defaults": ours,
            "cosine_0.90_old_default": sweep[0.9],
            "cosine_best_f1": {"threshold": best_f1[0], **best_f1[1]},
            "cosine_best_recall_at_our_precision": None if best_recall is None else
            {"threshold": best_recall[0], **best_recall[1]},
            "vetoed_by_a_detail": {
                "same": sum(1 for r in chosen if r["same"]
                            and differing(details(r["a"]), details(r["b"])) is not None),
                "not_same": sum(1 for r in chosen if not r["same"]
                                and differing(details(r["a"]), details(r["b"])) is not None)},
        }
    return out


def fit(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Refit the same-request model on all the pairs (as decisions.py's figures were),
    and the whole decision at the defaults (candidate cosine, detail veto, model at
    ``same_request``) per set: in-sample with the fitted model, and 5-fold
    cross-validated (stratified, shuffled, seed 0: each pair judged by a model fit
    without it)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    x = np.array([pair_features(details(r["a"]), details(r["b"]), r["cos"]) for r in rows])
    y = np.array([r["same"] for r in rows])
    model = LogisticRegression(C=10.0, max_iter=1000)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    cv = cross_val_predict(model, x, y, cv=folds, method="predict_proba")[:, 1]
    model.fit(x, y)
    fitted = model.predict_proba(x)[:, 1]
    config = sim.DEFAULTS
    kept = np.array([r["cos"] >= config["near_duplicate"]
                     and differing(details(r["a"]), details(r["b"])) is None for r in rows])
    sets = np.array([r["set"] for r in rows])
    figures: dict[str, Any] = {}
    for name in ("sts", "paraphrase_pairs", "both"):
        chosen = np.ones(len(rows), bool) if name == "both" else sets == name
        figures[name] = {
            "in_sample": pr((kept & (fitted >= config["same_request"]))[chosen], y[chosen]),
            "cross_validated": pr((kept & (cv >= config["same_request"]))[chosen],
                                  y[chosen])}
    return {"coef": [round(float(c), 4) for c in model.coef_[0]],
            "intercept": round(float(model.intercept_[0]), 4), "pairs": len(rows),
            "decision_at_defaults": figures}


# -- part 2: support tickets ---------------------------------------------------------

#: (ticket family, slot values and their answers, question rewordings, answer rewordings)
FAMILIES: list[dict[str, Any]] = [
    {"slot": {"Sunday": "No, the store is closed on Sundays.",
              "Monday": "Yes, on Mondays we are open from 9 am to 6 pm.",
              "Saturday": "Yes, on Saturdays we open from 10 am to 4 pm."},
     "asks": ["Is the store open on {x}?", "Are you open on {x}?",
              "Will your shop be open this {x}?", "Can I visit the store on a {x}?"],
     "wrong": "Our opening hours on that day are from 8 am to 10 pm."},
    {"slot": {"14": "Yes, returns are accepted within 30 days of delivery.",
              "30": "Yes, 30 days is the last day you can return it.",
              "90": "No, we only accept returns within 30 days of delivery."},
     "asks": ["Can I return an item after {x} days?",
              "Is it possible to send a product back {x} days after buying it?",
              "I bought something {x} days ago, can I still return it?",
              "Do you accept returns {x} days after purchase?"],
     "wrong": "Returns are never accepted, all sales are final."},
    {"slot": {"Canada": "Yes, we ship to Canada in 5 to 7 business days.",
              "Brazil": "Sorry, we do not deliver to Brazil at the moment.",
              "Japan": "Yes, shipping to Japan takes about two weeks."},
     "asks": ["Do you ship to {x}?", "Can you deliver my order to {x}?",
              "Is shipping to {x} available?", "Can I get a package sent to {x}?"],
     "wrong": "We only ship inside the United States."},
    {"slot": {"2": "The Basic plan includes up to two user seats.",
              "5": "The Team plan covers up to five user seats.",
              "50": "For 50 users please contact sales for an Enterprise quote."},
     "asks": ["Which plan should I buy for {x} users?",
              "What plan do I need if we are {x} people?",
              "We have {x} users, which subscription fits us?",
              "What is the right plan for a team of {x}?"],
     "wrong": "All plans are limited to a single user."},
    {"slot": {"": "Click 'Forgot password' on the login page and follow the link we "
                  "email you."},
     "asks": ["How do I reset my password?",
              "I forgot my password, how can I set a new one?",
              "What are the steps to change a forgotten password?",
              "I can't remember my password, what should I do?"],
     "wrong": "Passwords cannot be changed once the account is created."},
    {"slot": {"": "Go to Settings, then Billing, and choose Cancel subscription."},
     "asks": ["How do I cancel my subscription?",
              "I want to stop my subscription, how?",
              "What is the way to end my plan?",
              "How can I unsubscribe from the monthly plan?"],
     "wrong": "Subscriptions can only be cancelled by calling our head office."},
]
ANSWER_STYLES = ["{a}", "Thanks for asking! {a}", "{a} Let us know if you need anything else.",
                 "Good question. {a}"]


def support_set(seed: int = 16) -> tuple[list[dict[str, Any]], set[frozenset[str]],
                                          set[frozenset[str]]]:
    """Records and the true near-duplicate and contradiction pairs (record ids)."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    near: set[frozenset[str]] = set()
    conflicts: set[frozenset[str]] = set()
    for f, family in enumerate(FAMILIES):
        wrongs = [f"t{f}-{s}-wrong" for s in range(len(family["slot"]))]
        # The wrong answer is the same text for every detail of a family: those records
        # teach one thing twice ("differs in: sunday / monday", the same answer).
        near.update(frozenset(p) for p in itertools.combinations(wrongs, 2))
        for s, (slot, answer) in enumerate(family["slot"].items()):
            ids = []
            for k, ask in enumerate(family["asks"]):
                rid = f"t{f}-{s}-{k}"
                ids.append(rid)
                style = ANSWER_STYLES[rng.randrange(len(ANSWER_STYLES))]
                records.append(_record(rid, ask.format(x=slot), style.format(a=answer)))
            wrong = f"t{f}-{s}-wrong"
            records.append(_record(wrong, family["asks"][rng.randrange(4)].format(x=slot),
                                   family["wrong"]))
            near.update(frozenset(p) for p in itertools.combinations(ids, 2))
            conflicts.update(frozenset((wrong, i)) for i in ids)
    return records, near, conflicts


def _record(rid: str, question: str, answer: str) -> dict[str, Any]:
    return {"id": rid, "messages": [
        {"role": "system", "content": "You are the support assistant of an online shop."},
        {"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


def scan_pairs(store: Store) -> tuple[set[frozenset[str]], set[frozenset[str]], list[int]]:
    """The near-duplicate and contradiction pairs found, and the near-group sizes."""
    near: set[frozenset[str]] = set()
    sizes = []
    for cluster in sim.clusters(store, ("near", "exact")):
        keys = [m["key"] for m in sim.cluster_detail(store, cluster["id"])["members"]]
        sizes.append(len(keys))
        near.update(frozenset(p) for p in itertools.combinations(keys, 2))
    conflicts = {frozenset((f["record"], other))
                 for f in store.findings(kind="contradiction") for other in f["related"]}
    return near, conflicts, sizes


def components(store: Store) -> list[int]:
    """Old grouping: connected components of the near pairs (sizes), for comparison."""
    sets: DisjointSets[str] = DisjointSets()
    for f in store.findings(kind="near_duplicate"):
        for other in f["related"]:
            sets.union(f["record"], other)
    return sorted((len(g) for g in sets.groups(list(sets.parent))), reverse=True)


def pair_scores(found: set[frozenset[str]], truth: set[frozenset[str]]) -> dict[str, Any]:
    tp = len(found & truth)
    return {"precision": round(tp / len(found), 3) if found else 1.0,
            "recall": round(tp / len(truth), 3) if truth else 1.0,
            "found": len(found), "true": len(truth)}


def scan_support(embedder: Any, folder: Path, name: str,
                 dataset: tuple[list[dict[str, Any]], set[frozenset[str]],
                                set[frozenset[str]]]) -> dict[str, Any]:
    """One support set scanned at the defaults and with the old settings."""
    records, near_truth, conflict_truth = dataset
    data = folder / f"{name}.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out: dict[str, Any] = {"records": len(records)}
    old = {"near_duplicate": 0.90, "contradiction_input": 0.90, "verify_pairs": False}
    for setting, settings in (("defaults", {}), ("old_settings", old)):
        store = Store.open(folder / f"{name}-{setting}.curator", create=True)
        run_job(import_files(store, [data]))
        store.set_setting("similarity", settings)
        run_job(sim.similarity_scan(store, embedder))
        near, conflicts, sizes = scan_pairs(store)
        out[setting] = {"near_duplicates": pair_scores(near, near_truth),
                        "contradictions": pair_scores(conflicts, conflict_truth),
                        "group_sizes": dict(sorted(Counter(sizes).items()))}
        if setting == "old_settings":
            # The old grouping (connected components) over those pairs, for comparison.
            sizes_cc = components(store)
            out[setting]["connected_components_sizes"] = dict(
                sorted(Counter(sizes_cc).items()))
        store.close()
    return out


def part_support(embedder: Any, folder: Path) -> dict[str, Any]:
    """The first support set (free rewordings) and bench/support_tickets.py's tickets
    (plain rewordings, as issue 16 describes them), each family half on its own."""
    import support_tickets

    out = {"free_rewordings": scan_support(embedder, folder, "free", support_set())}
    for half in ("dev", "check"):
        out[f"tickets_{half}"] = scan_support(
            embedder, folder, f"tickets-{half}", support_tickets.tickets(half=half))
    return out


def part_chaining(embedder: Any, folder: Path, count: int) -> dict[str, Any]:
    """Issue 16's chaining case: ``count`` generated support conversations
    (bench/generate.py, seed 0) scanned at the defaults; the near groups' sizes, the
    largest group and its similarity floor (lowest input cosine between two members and
    to the representative), the candidate pairs and the phase timings (load-dependent)."""
    import generate

    path = folder / f"chain-{count}.curator"
    if path.exists():           # --keep: rescan a kept project (its vectors are cached)
        store = Store.open(path)
    else:
        store = Store.open(path, create=True)
        run_job(import_files(store, [generate.write(folder / "chain.jsonl", count, seed=0)]))
    load = os.getloadavg()
    report = run_job(sim.similarity_scan(store, embedder))
    near = sim.clusters(store, ("near",))
    sizes = sorted((c["size"] for c in near), reverse=True)
    out: dict[str, Any] = {
        "records": count, "candidate_pairs": report["candidate_pairs"],
        "timings": report["timings"], "load_average_before": [round(x, 2) for x in load],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "near_groups": len(sizes), "group_sizes": dict(sorted(Counter(sizes).items())),
        "contradiction_groups": report["clusters"]["contradiction"]}
    if near:
        largest = max(near, key=lambda c: c["size"])
        members = sim.cluster_detail(store, largest["id"])["members"]
        vectors = embedder.encode([sim.normalise(m["input"]) for m in members])
        cos = vectors @ vectors.T
        upper = cos[np.triu_indices(len(members), 1)]
        out["largest"] = {"size": len(members), "floor_between_members": round(
            float(upper.min()), 3), "floor_to_representative": round(
            float(cos[0, 1:].min()), 3), "reason": largest["reason"]}
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="write the results here too")
    parser.add_argument("--fit", action="store_true", help="refit the same-request model")
    parser.add_argument("--chaining", type=int, metavar="N",
                        help="only issue 16's chaining case on N generated conversations")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="--chaining: keep the project in DIR, and rescan it when there")
    args = parser.parse_args()
    load = os.getloadavg()
    embedder = default_embedder()
    result: dict[str, Any] = {"model": embedder.name, "load_average": [round(x, 2)
                                                                      for x in load]}
    if args.chaining:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            result["chaining"] = part_chaining(embedder, args.keep, args.chaining)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                result["chaining"] = part_chaining(embedder, Path(tmp), args.chaining)
        log(json.dumps(result["chaining"], indent=1))
        if args.json:
            args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
        return
    rows = load_pairs()
    add_cosines(rows, embedder)
    result["pairs"] = part_pairs(rows)
    log(json.dumps(result["pairs"], indent=1))
    if args.fit:
        result["fit"] = fit(rows)
        log(json.dumps(result["fit"], indent=1))
    with tempfile.TemporaryDirectory() as tmp:
        result["support"] = part_support(embedder, Path(tmp))
    log(json.dumps(result["support"], indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
