"""The names front ends offer as choices: one list each, importable without pydantic.

``curator --help`` must stay fast, so the command line takes its choices from here
rather than from the modules that implement them (which load pydantic and more).
"""

from __future__ import annotations

#: A record's review states, as stored.
REVIEW_STATES = ("unreviewed", "accepted", "rejected", "needs-edit")

#: Shapes the readers recognise (the ``format`` of a record).
FORMATS = ("openai", "bedrock", "sharegpt", "alpaca", "preference", "prompt_completion")

#: Vendor rule sets of the schema check (checks/schema.py PROFILES has one of each).
PROFILE_NAMES = ("openai", "bedrock", "mistral", "trl")

#: What the ``profile`` setting (and ``scan --profile``) takes.
PROFILE_CHOICES = ("auto", *PROFILE_NAMES)
