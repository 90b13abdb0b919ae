"""Seeded, grouped, optionally stratified train / validation / eval splits.

Each group (records that must stay together) gets a rank: the sha256 of the seed and the
group's key (its smallest record key). Groups are taken in rank order and the eval and
validation quotas filled first; the rest is train. So:

* the same records, options and seed give the same splits, on any machine;
* adding unrelated records does not reshuffle: every group keeps its rank, and only the
  groups at a quota boundary can move (the quota grows by one record per ~1/fraction
  records added);
* with a stratify field, quotas are set per stratum (largest-remainder rounding, so each
  stratum is within one record of its exact share and the totals match the overall
  quota).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from curator.core.export.options import ExportOptions


@dataclass(slots=True)
class Group:
    key: str
    members: list[int]
    stratum: str = ""
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = len(self.members)


@dataclass(slots=True)
class Splits:
    of: dict[int, str] = field(default_factory=dict)      # record id -> split
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    strata: dict[str, dict[str, int]] = field(default_factory=dict)


def rank(seed: int, key: str) -> bytes:
    return hashlib.sha256(f"{seed}\x1f{key}".encode("utf-8", "surrogatepass")).digest()


def _round(x: float) -> int:
    return math.floor(x + 0.5)


def _totals(n: int, options: ExportOptions) -> dict[str, int]:
    """Records wanted in eval and validation: rounded, at least one when asked for."""
    want = {"eval": options.eval_fraction, "validation": options.val_fraction}
    out = {}
    for name, fraction in want.items():
        target = _round(n * fraction)
        if fraction > 0 and target == 0 and n >= 3:
            target = 1
        out[name] = target
    while out["eval"] + out["validation"] >= n and (out["eval"] or out["validation"]):
        bigger = "validation" if out["validation"] >= out["eval"] else "eval"
        out[bigger] -= 1
    return out


def _apportion(total: int, sizes: dict[str, int], fraction: float) -> dict[str, int]:
    """Split ``total`` over strata in proportion to their sizes (largest remainder)."""
    if not sizes:
        return {}
    n = sum(sizes.values())
    share = {s: (size * total / n if n else 0.0) for s, size in sizes.items()}
    quota = {s: math.floor(x) for s, x in share.items()}
    left = total - sum(quota.values())
    for s in sorted(share, key=lambda s: (-(share[s] - quota[s]), s))[:max(left, 0)]:
        quota[s] += 1
    return quota


def assign(groups: Sequence[Group], options: ExportOptions) -> Splits:
    """Put every group in one split."""
    out = Splits()
    n = sum(g.size for g in groups)
    totals = _totals(n, options)
    by_stratum: dict[str, list[Group]] = defaultdict(list)
    for g in groups:
        by_stratum[g.stratum if options.stratify else ""].append(g)
    sizes = {s: sum(g.size for g in gs) for s, gs in by_stratum.items()}
    quotas = {name: _apportion(totals[name], sizes, fraction)
              for name, fraction in (("eval", options.eval_fraction),
                                     ("validation", options.val_fraction))}
    counts: Counter[str] = Counter()
    for stratum in sorted(by_stratum):
        members = by_stratum[stratum]
        seed = options.seed
        ranks = [rank(seed, g.key) for g in members]
        ordered = [members[i] for i in sorted(range(len(members)), key=ranks.__getitem__)]
        # Twice the quota plus one: a group is taken when that brings the split closer
        # to its quota (integers only in the loop).
        limit_eval = 2 * quotas["eval"].get(stratum, 0) + 1
        limit_val = 2 * quotas["validation"].get(stratum, 0) + 1
        n_eval = n_val = n_train = 0
        of = out.of
        for g in ordered:
            size = g.size
            if 2 * n_eval + size < limit_eval:
                split = "eval"
                n_eval += size
            elif 2 * n_val + size < limit_val:
                split = "validation"
                n_val += size
            else:
                split = "train"
                n_train += size
            for rid in g.members:
                of[rid] = split
        taken = Counter({"eval": n_eval, "validation": n_val, "train": n_train})
        counts.update(taken)
        if options.stratify:
            out.strata[stratum] = {name: taken[name] for name in ("train", "validation",
                                                                   "eval")}
    out.counts = {name: counts[name] for name in ("train", "validation", "eval")}
    asked = {"validation": options.val_fraction, "eval": options.eval_fraction}
    for name, fraction in asked.items():
        if fraction > 0 and out.counts[name] == 0:
            out.warnings.append(
                f"The {name} split is empty: {n} record(s) are too few for a "
                f"{fraction:.0%} {name} split.")
    if n and out.counts["train"] == 0:
        out.warnings.append("The train split is empty.")
    return out
