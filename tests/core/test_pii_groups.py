"""The grouped PII queue: one group per distinct (text, type), riskiest first, decided once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import presidio_analyzer  # noqa: F401  (required: a missing one fails the run)
import pytest

from curator.core.checks import pii, pii_review
from curator.core.checks.scan import scan
from curator.core.ingest import import_files
from curator.core.jobs import run_job
from curator.core.store import Store
from curator.core.store import findings as fstore

#: A system prompt naming a person, in every record: one group, not five rows.
SYSTEM = "You are the assistant of Dr. Helga Brandt's dental practice in Springfield."
USERS = ("What is the capital of France?",
         "Write to me at jan.kowalski@gmail.com please.",
         "Is Paris big?",
         "Call me on +1 415 555 0132.",
         "Hi, my name is Tomasz Nowak, write to jan.kowalski@gmail.com.")
TIERS = ("identifier", "contextual", "public")


@pytest.fixture
def project(store: Store, tmp_path: Path, pii_analyzer: pii.Analyzer) -> Store:
    data = tmp_path / "chats.jsonl"
    data.write_text("".join(json.dumps({"id": f"r{i}", "messages": [
        {"role": "system", "content": SYSTEM}, {"role": "user", "content": user},
        {"role": "assistant", "content": "Sure."}]}) + "\n" for i, user in enumerate(USERS)))
    run_job(import_files(store, [data], actor="t"))
    run_job(scan(store, ["pii"], actor="t", pii_analyzer=pii_analyzer))
    return store


def group(store: Store, text: str, show: str = "to-review") -> dict[str, Any]:
    return next(g for g in fstore.pii_groups(store, show) if g["text"] == text)


def texts(store: Store, show: str = "to-review") -> list[str]:
    return [g["text"] for g in fstore.pii_groups(store, show)]


def test_a_recurring_system_prompt_is_one_group_with_its_counts(project: Store) -> None:
    name = group(project, "Helga Brandt's")
    assert (name["code"], name["spans"], name["records"]) == ("PERSON", 5, 5)
    assert name["status"] == {"to_review": 5, "confirmed": 0, "dismissed": 0, "resolved": 0}
    assert len(name["ids"]) == 5
    email = group(project, "jan.kowalski@gmail.com")
    assert (email["spans"], email["records"], email["tier"]) == (2, 2, "identifier")
    # every span is in exactly one group
    spans = fstore.queue(project, "pii")
    assert sorted(i for g in fstore.pii_groups(project) for i in g["ids"]) == sorted(
        f["id"] for f in spans)
    assert len(fstore.pii_groups(project)) == len({(f["text"], f["code"]) for f in spans})


def test_groups_are_sorted_by_risk_then_count(project: Store) -> None:
    groups = fstore.pii_groups(project)
    ranks = [TIERS.index(g["tier"]) for g in groups]
    assert ranks == sorted(ranks)
    assert groups[0]["tier"] == "identifier" and groups[-1]["tier"] == "public"
    assert groups[0]["text"] == "jan.kowalski@gmail.com"  # 2 spans before the phone's 1
    public = [g for g in groups if g["tier"] == "public"]
    assert public[0]["text"] == "Springfield" and public[0]["spans"] == 5
    assert [g["spans"] for g in public] == sorted((g["spans"] for g in public), reverse=True)
    assert {g["severity"] for g in public} == {"info"}
    assert group(project, "Tomasz Nowak")["tier"] == "contextual"


def test_the_show_filter_and_status_counts_apply_per_span(project: Store) -> None:
    ids = group(project, "Springfield")["ids"]
    fstore.set_status(project, ids[:2], "dismissed", "t")
    assert group(project, "Springfield")["spans"] == 3
    closed = group(project, "Springfield", "closed")
    assert closed["spans"] == 2 and closed["status"]["dismissed"] == 2
    assert group(project, "Springfield", "all")["status"] == {
        "to_review": 3, "confirmed": 0, "dismissed": 2, "resolved": 0}
    assert [g["text"] for g in fstore.pii_groups(project, "all", status="dismissed")] == [
        "Springfield"]


def test_bulk_confirm_and_dismiss_of_groups_are_one_undoable_step(project: Store) -> None:
    chosen = [group(project, "Helga Brandt's"), group(project, "Springfield")]
    ids = [i for g in chosen for i in g["ids"]]
    before = fstore.set_status(project, ids, "open", "t", confirmed=True)
    assert "Helga Brandt's" not in texts(project) and "Springfield" not in texts(project)
    assert group(project, "Helga Brandt's", "open")["status"]["confirmed"] == 5
    fstore.restore_status(project, before, "t")
    assert group(project, "Helga Brandt's")["spans"] == 5
    before = fstore.set_status(project, ids, "dismissed", "t", confirmed=False)
    assert group(project, "Springfield", "closed")["status"]["dismissed"] == 5
    fstore.restore_status(project, before, "t")
    assert group(project, "Springfield")["status"]["to_review"] == 5


def test_allowing_several_groups_is_one_step_and_undo_restores(project: Store) -> None:
    undo = pii_review.allow_all(project, ["Helga Brandt's", "Paris"], "t")
    assert pii_review.allow_list(project) == ["Helga Brandt's", "Paris"]
    assert {"Helga Brandt's", "Paris"}.isdisjoint(texts(project))
    assert group(project, "Helga Brandt's", "closed")["status"]["dismissed"] == 5
    pii_review.undo_allow_all(project, undo, "t")
    assert pii_review.allow_list(project) == []
    assert group(project, "Helga Brandt's")["spans"] == 5 and "Paris" in texts(project)


def test_occurrences_name_the_record_and_show_the_span_in_context(project: Store) -> None:
    email = group(project, "jan.kowalski@gmail.com")
    found = pii_review.occurrences(project, email["ids"])
    assert [(o["record"], o["message"]) for o in found] == [("r1", 1), ("r4", 1)]
    assert found[0]["snippet"] == "Write to me at jan.kowalski@gmail.com please."
    assert (found[0]["before"], found[0]["after"]) == ("Write to me at ", " please.")
    system = pii_review.occurrences(project, group(project, "Helga Brandt's")["ids"], limit=2,
                                    context=10)
    assert len(system) == 2
    assert system[0]["snippet"] == "…nt of Dr. Helga Brandt's dental pr…"


def test_a_text_that_is_not_english_carries_its_note_to_the_group(
        store: Store, tmp_path: Path, pii_analyzer: pii.Analyzer) -> None:
    data = tmp_path / "tr.jsonl"
    data.write_text(json.dumps({"messages": [
        {"role": "user", "content": "Merhaba, bu kim? Değil mi, tabii ki gibi bir şey var. "
                                    "E-posta: ali.veli@example.com"},
        {"role": "assistant", "content": "Tamam."}]}) + "\n")
    run_job(import_files(store, [data], actor="t"))
    run_job(scan(store, ["pii"], actor="t", pii_analyzer=pii_analyzer))
    (only,) = fstore.pii_groups(store)
    assert only["code"] == "EMAIL_ADDRESS"
    assert only["note"] == "names not checked: this text is not English"


def test_an_unknown_filter_is_a_user_error(project: Store) -> None:
    from curator.core.errors import CuratorError

    with pytest.raises(CuratorError):
        fstore.pii_groups(project, "everything")
    with pytest.raises(CuratorError):
        fstore.pii_groups(project, "all", status="closed")


def test_the_readiness_line_says_what_is_redacted_and_what_is_left_for_review(
        project: Store) -> None:
    from curator.core.export.options import ExportOptions
    from curator.core.export.readiness import readiness

    def line(**options: Any) -> str:
        items = readiness(project, ExportOptions(**options), {"train": 5})
        return str(next(i for i in items if i["id"] == "pii")["detail"])

    public = sum(g["spans"] for g in fstore.pii_groups(project) if g["tier"] == "public")
    text = line()
    assert "Redact replaces identifiers" in text
    assert f"{public} public spans" in text and "left for review" in text
    # every identifier and contextual group dismissed: nothing to redact, public ones left
    risky = [i for g in fstore.pii_groups(project) if g["tier"] != "public" for i in g["ids"]]
    fstore.set_status(project, risky, "dismissed", "t")
    text = line()
    assert text.startswith("No personal data to redact or exclude.")
    assert f"{public} public spans" in text
    # confirmed public spans are redacted, no longer left for review
    fstore.set_status(project, group(project, "Springfield")["ids"], "open", "t", True)
    assert f"{public - 5} public spans" in line()
