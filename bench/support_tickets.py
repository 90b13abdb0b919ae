"""Generated support tickets in the shape issue 16 describes (deterministic by seed).

Issue 16's held-out support data has *plain* rewordings of a ticket (MiniLM cosine
about 0.85-0.89 to the original) that belong in one group, and one-detail variants
("Sunday" / "Monday", "30 days" / "90 days") whose different answers are right, so
they are neither near duplicates nor contradictions. The bench's first set
(``support_set()`` in bench_similarity_quality.py) rewords far more freely (cosines
down to 0.25, below any candidate threshold); this set follows the issue's description.

How a record is made, independently of the check's rules:

* a **ticket** is a family (a topic with a request template and a *detail* slot:
  a day, a number of days, a country, a product, a plan size) and one value of the
  slot; each ticket has its own right answer, written by hand;
* its **records** are 2 hand-written phrasings of the request, each as written and in 2 plain
  rewordings made by :func:`reword`: a greeting or closing added, contractions made
  or undone, one or two everyday synonyms swapped ("store" / "shop", "item" /
  "product"), a question frame changed ("Can I ..." / "Is it possible to ..."), or
  the whole message typed in lower case without the question mark; the answer is the
  ticket's answer, sometimes with a greeting or closing (6 records a ticket);
* one more record per ticket, a phrasing reworded the same way, carries a **wrong
  answer** written by hand for that ticket: it says the opposite or another figure
  about the same thing, so it stays topically close to the right one;
* families come in near pairs on purpose ("change my password" / "change my email
  address", "track my order" / "return my order"): other requests sharing most words.

Truth: two records are near duplicates when they are of the same ticket and neither has
the wrong answer; a wrong record contradicts each right record of its ticket. Pairs of
different tickets (another detail, another family) are neither. Families are split in
two halves, ``dev`` (looked at while developing the check) and ``check`` (only
measured), reported separately by the bench.
"""

from __future__ import annotations

import itertools
import random
import re
from typing import Any

SYSTEM = "You are the support assistant of an online shop."

#: Each family: its half, the slot values with their right and wrong answers, and two
#: phrasings (``{x}`` is the detail).
FAMILIES: list[dict[str, Any]] = [
    {"half": "dev", "slot": {
        "Sunday": ("No, the store is closed on Sundays.",
                   "Yes, on Sundays we are open around the clock."),
        "Monday": ("Yes, on Mondays the store is open from 9 am to 6 pm.",
                   "No, the store is closed all day on Mondays."),
        "Saturday": ("Yes, on Saturdays the store opens from 10 am to 4 pm.",
                     "Yes, on Saturdays the store opens from 7 am to 11 pm.")},
     "asks": ["Is the store open on {x}?", "Can I come to the store on {x}?"]},
    {"half": "dev", "slot": {
        "14": ("Yes, you can return it: returns are accepted within 30 days of delivery.",
               "No, returns are never accepted after 7 days."),
        "30": ("Yes, but hurry: day 30 is the last day you can return it.",
               "No, the return window closed after 14 days."),
        "90": ("No, we only accept returns within 30 days of delivery.",
               "Yes, returns are accepted for up to 120 days.")},
     "asks": ["Can I return an item after {x} days?",
              "I bought an item {x} days ago, can I still return it?"]},
    {"half": "dev", "slot": {
        "Canada": ("Yes, we ship to Canada in 5 to 7 business days.",
                   "No, we do not ship to Canada."),
        "Brazil": ("Sorry, we do not deliver to Brazil at the moment.",
                   "Yes, we deliver to Brazil within a week."),
        "Japan": ("Yes, shipping to Japan takes about two weeks.",
                  "No, Japan is outside our shipping area.")},
     "asks": ["Do you ship to {x}?", "Can you deliver my order to {x}?"]},
    {"half": "dev", "slot": {
        "": ("Open Settings, choose Security and click Change password.",
             "Passwords cannot be changed once the account is created.")},
     "asks": ["How do I change my password?",
              "Where can I change the password of my account?"]},
    {"half": "dev", "slot": {
        "": ("Open Settings, choose Profile and edit the email field, then confirm the "
             "link we send to the new address.",
             "The email address of an account can never be changed.")},
     "asks": ["How do I change my email address?",
              "Where can I change the email address of my account?"]},
    {"half": "dev", "slot": {
        "": ("Go to Settings, then Billing, and choose Cancel subscription.",
             "Subscriptions can only be cancelled by calling our head office.")},
     "asks": ["How do I cancel my subscription?", "I want to cancel my subscription, how?"]},
    {"half": "check", "slot": {
        "2": ("The Basic plan includes up to two user seats.",
              "You need the Enterprise plan for 2 users."),
        "5": ("The Team plan covers up to five user seats.",
              "The Basic plan is enough, it covers 10 users."),
        "50": ("For 50 users please contact sales for an Enterprise quote.",
               "The Team plan covers 50 users, no need to contact sales.")},
     "asks": ["Which plan should I buy for {x} users?",
              "What plan do I need for a team of {x} users?"]},
    {"half": "check", "slot": {
        "laptop": ("The laptop comes with a two-year warranty.",
                   "The laptop is sold without any warranty."),
        "phone": ("The phone has a one-year warranty.",
                  "The phone comes with a three-year warranty."),
        "headphones": ("The headphones are covered for six months.",
                       "The headphones have no warranty at all.")},
     "asks": ["How long is the warranty on the {x}?",
              "What warranty do I get when I buy the {x}?"]},
    {"half": "check", "slot": {
        "": ("Use the tracking link in your shipping confirmation email, or open Orders "
             "and click Track.",
             "Orders cannot be tracked once they have left our warehouse.")},
     "asks": ["How do I track my order?", "Where can I see where my order is?"]},
    {"half": "check", "slot": {
        "": ("Open Orders, choose the order and click Return item to print a free "
             "return label.",
             "Returns have to be posted at your own cost with a handwritten letter.")},
     "asks": ["How do I return my order?", "What do I do to send my order back?"]},
    {"half": "check", "slot": {
        "PayPal": ("Yes, PayPal is accepted at checkout.",
                   "No, we stopped accepting PayPal last year."),
        "Bitcoin": ("No, we do not accept Bitcoin or other cryptocurrencies.",
                    "Yes, Bitcoin is accepted at checkout."),
        "Klarna": ("Yes, you can pay in three instalments with Klarna.",
                   "No, Klarna is not available in our shop.")},
     "asks": ["Can I pay with {x}?", "Do you accept {x} as a payment method?"]},
    {"half": "check", "slot": {
        "": ("Click Forgot password on the login page and follow the link we email you.",
             "A forgotten password cannot be recovered; please open a new account.")},
     "asks": ["I forgot my password, how do I log in?",
              "How can I get into my account if I forgot my password?"]},
]

GREETINGS = ["Hi, ", "Hello, ", "Hi there! ", "Good morning, "]
CLOSINGS = [" Thanks!", " Thank you.", " Thanks in advance.", " Any help is appreciated."]
ANSWER_STYLES = ["{a}", "Thanks for reaching out! {a}", "{a} Let us know if you need "
                 "anything else.", "Good question. {a}"]
#: Everyday synonyms (both ways): what a customer might write instead.
SYNONYMS = [("store", "shop"), ("item", "product"), ("order", "purchase"),
            ("deliver", "send"), ("change", "update"), ("cancel", "end"),
            ("bought", "purchased"), ("account", "profile"), ("need", "require")]
CONTRACTIONS = [("I am", "I'm"), ("do not", "don't"), ("can not", "can't"),
                ("what is", "what's"), ("I have", "I've"), ("it is", "it's")]
FRAMES = [(r"^Can I (.*)\?$", "Is it possible to {0}?"),
          (r"^Can you (.*)\?$", "Could you {0}?"),
          (r"^How do I (.*)\?$", "What is the way to {0}?"),
          (r"^Do you (.*)\?$", "I'd like to know: do you {0}?"),
          (r"^Where can I (.*)\?$", "Where do I {0}?"),
          (r"^Which (.*)\?$", "Could you tell me which {0}?"),
          (r"^What (.*)\?$", "Can you tell me what {0}?")]


def _swap_word(text: str, a: str, b: str) -> str:
    def case(match: re.Match[str]) -> str:
        word = match.group()
        other = b if word.lower() == a else a
        return other.capitalize() if word[:1].isupper() else other
    return re.sub(rf"\b({re.escape(a)}|{re.escape(b)})\b", case, text, count=1,
                  flags=re.IGNORECASE)


def reword(text: str, rng: random.Random) -> str:
    """A plain rewording of ``text``: one to three meaning-keeping edits, chosen at random
    (drawn again, up to 20 times, until the text changes)."""
    for _ in range(20):
        changed = _edit(text, rng)
        if changed != text:
            return changed
    return changed


def _edit(text: str, rng: random.Random) -> str:
    edits = rng.sample(["greet", "close", "contract", "synonym", "synonym", "frame",
                        "casual"], rng.randint(1, 3))
    for edit in edits:
        if edit == "frame":
            for pattern, frame in FRAMES:
                found = re.match(pattern, text)
                if found:
                    text = frame.format(found.group(1))
                    break
        elif edit == "synonym":
            usable = [(a, b) for a, b in SYNONYMS
                      if re.search(rf"\b({a}|{b})\b", text, re.IGNORECASE)]
            if usable:
                text = _swap_word(text, *rng.choice(usable))
        elif edit == "contract":
            for long, short in CONTRACTIONS:
                if re.search(rf"\b{long}\b", text, re.IGNORECASE):
                    text = re.sub(rf"\b{long}\b", short, text, count=1, flags=re.IGNORECASE)
                    break
                if short.lower() in text.lower():
                    text = re.sub(re.escape(short), long, text, count=1, flags=re.IGNORECASE)
                    break
    if "casual" in edits:
        text = text.lower().rstrip("?")
    if "greet" in edits:
        text = rng.choice(GREETINGS) + (text[:1].lower() + text[1:]
                                        if not text.startswith("I ") else text)
    if "close" in edits:
        text += rng.choice(CLOSINGS)
    return text


def tickets(seed: int = 16, half: str | None = None
            ) -> tuple[list[dict[str, Any]], set[frozenset[str]], set[frozenset[str]]]:
    """Records (OpenAI chat lines with ids) and the true near-duplicate and
    contradiction pairs of record ids; ``half`` keeps one half of the families."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    near: set[frozenset[str]] = set()
    conflicts: set[frozenset[str]] = set()
    for f, family in enumerate(FAMILIES):
        if half is not None and family["half"] != half:
            continue
        for s, (slot, (answer, wrong_answer)) in enumerate(family["slot"].items()):
            ids = []
            for p, ask in enumerate(family["asks"]):
                request = ask.format(x=slot)
                for k, question in enumerate([request, reword(request, rng),
                                              reword(request, rng)]):
                    rid = f"f{f}-{s}-{p}{k}"
                    ids.append(rid)
                    style = rng.choice(ANSWER_STYLES)
                    records.append(record(rid, question, style.format(a=answer)))
            wrong = f"f{f}-{s}-wrong"
            asked = reword(rng.choice(family["asks"]).format(x=slot), rng)
            records.append(record(wrong, asked, wrong_answer))
            near.update(frozenset(p) for p in itertools.combinations(ids, 2))
            conflicts.update(frozenset((wrong, i)) for i in ids)
    return records, near, conflicts


def record(rid: str, question: str, answer: str) -> dict[str, Any]:
    """One chat record: the shop's system prompt, the request and the answer."""
    return {"id": rid, "messages": [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": question}, {"role": "assistant", "content": answer}]}
