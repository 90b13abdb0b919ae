"""Checks that turn records into findings: schema rules, tokens (and later PII, duplicates)."""
