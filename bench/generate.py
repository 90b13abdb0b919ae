"""Generate realistic chat fine-tuning data for benchmarks (deterministic by seed)."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

SYSTEM = ("You are a helpful customer-support assistant for an online electronics shop. "
          "Answer politely and concisely, cite order numbers when the customer gives them, "
          "and never invent policies you were not told about.")
WORDS = ("order delivery refund laptop charger battery screen warranty invoice account "
         "password shipping address return exchange broken cable phone tablet headphones "
         "discount coupon payment card delayed tracking number support replacement store "
         "weekend today tomorrow please thanks help problem question answer soon").split()


def sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def conversation(rng: random.Random, i: int) -> dict[str, object]:
    messages: list[dict[str, object]] = [{"role": "system", "content": SYSTEM}]
    for _ in range(rng.choice((1, 1, 2))):
        messages.append({"role": "user", "content": " ".join(
            sentence(rng, 6, 18) for _ in range(rng.randint(1, 3)))})
        messages.append({"role": "assistant", "content": " ".join(
            sentence(rng, 8, 22) for _ in range(rng.randint(2, 5)))})
    return {"id": f"conv-{i:07d}", "messages": messages}


def write(path: Path, count: int, seed: int = 0) -> Path:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            out.write(json.dumps(conversation(rng, i), ensure_ascii=False) + "\n")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    write(args.path, args.count, args.seed)
