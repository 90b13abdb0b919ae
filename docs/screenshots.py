"""Take the screenshots in docs/ of the real window on the demo project, at two sizes.

    .venv/bin/python docs/screenshots.py            # both sizes, each under its own Xvfb
    .venv/bin/python docs/screenshots.py --only pii --out /tmp/shots   # one scene, to look
    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python docs/screenshots.py --here

Each run under a real X server (Xvfb) fills the screen with the window, as a user with a
screen of that size would see it, grabs the screen, and writes
docs/screenshot-NAME-WIDTH.png (``--out`` writes elsewhere, e.g. to look before
replacing). Without ``--here`` the script runs itself once per size in ``SIZES``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from curator.app.launch import application
from curator.app.main_window import MainWindow
from curator.core.demo import build_demo
from curator.core.jobs import run_job
from curator.core.resources import sample_files

DOCS = Path(__file__).resolve().parent
SIZES = ((1280, 800), (1920, 1080))


class Camera:
    """Grabs the screen under the window, or a dialog, into ``out``."""

    def __init__(self, app: QApplication, window: MainWindow, out: Path) -> None:
        self.app, self.window, self.out = app, window, out
        self.width = QGuiApplication.primaryScreen().geometry().width()

    def settle(self, seconds: float = 0.6) -> None:
        end = time.monotonic() + seconds
        while self.window.runner.busy or time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.01)

    def path(self, name: str) -> Path:
        return self.out / f"screenshot-{name}-{self.width}.png"

    def shoot(self, name: str, widget: QWidget | None = None) -> None:
        self.settle()
        target = widget or self.window
        frame = target.frameGeometry()
        image = QGuiApplication.primaryScreen().grabWindow(
            0, frame.x(), frame.y(), frame.width(), frame.height())
        if image.isNull() or image.width() < 100:
            image = target.grab()
        image.save(str(self.path(name)))
        print(self.path(name))


def show_dialog(camera: Camera, dialog: QWidget) -> None:
    """Show a dialog over the window, centred, as a user would see it."""
    dialog.show()
    window = camera.window.frameGeometry()
    frame = dialog.frameGeometry()
    dialog.move(window.center() - frame.center() + frame.topLeft())
    camera.settle(1.0)


Scene = Callable[[Camera, Path, Path], None]
SCENES: list[tuple[tuple[str, ...], Scene]] = []


def scene(*names: str) -> Callable[[Scene], Scene]:
    """Register a scene: a function of (camera, demo project, temporary folder) that
    takes the screenshots ``names``; ``--only NAME`` runs the scenes that take NAME."""
    def register(function: Scene) -> Scene:
        SCENES.append((names, function))
        return function
    return register


def take_all(camera: Camera, tmp: Path, only: set[str] | None = None) -> None:
    """Build the demo project, then run every scene (or those taking a name in ``only``)
    in the order they are registered; each scene leaves the window on the demo project."""
    project, _ = build_demo(tmp / "demo.curator", run_job)
    for names, function in SCENES:
        if only is None or only & set(names):
            for leftover in QApplication.topLevelWidgets():   # a scene's message boxes
                if leftover is not camera.window and leftover.isVisible():
                    leftover.close()
            camera.window.open_project(project)
            camera.settle()
            function(camera, project, tmp)
    missing = (only or set()) - {name for names, _ in SCENES for name in names}
    if missing:
        raise SystemExit(f"no scene takes: {', '.join(sorted(missing))}")


@scene("records", "findings", "invalid", "dashboard", "pii", "pii-record", "duplicates",
       "duplicates-reasons", "labelling", "agreement", "adjudication", "export")
def take_workbench(camera: Camera, project: Path, tmp: Path) -> None:
    window, settle, shoot = camera.window, camera.settle, camera.shoot
    keys = [(window.model.row_data(r) or {}).get("key")
            for r in range(window.model.rowCount())]
    window.select_row(keys.index("acme-tool-1"))
    shoot("records")
    window.select_row(keys.index("acme-bad-4"))
    shoot("findings")
    window.select_row(keys.index("acme_support.jsonl:33"))
    shoot("invalid")
    window.tabs.setCurrentIndex(1)
    shoot("dashboard")
    window.tabs.setCurrentWidget(window.pii_queue)
    settle()
    queue = window.pii_queue
    # the grouped queue: the system prompt's name is one group of every record's span
    groups = queue.model.items
    queue.select(next(i for i, g in enumerate(groups) if g["text"] == "Acme Cloud's"))
    shoot("pii")
    queue.select(next(i for i, g in enumerate(groups) if g["code"] == "EMAIL_ADDRESS"))
    queue.open_current()  # its first occurrence, the span marked in its record
    shoot("pii-record")
    # duplicates (the real embedding model) and the diversity map
    window.run_similarity_scan()
    settle()
    window.tabs.setCurrentWidget(window.duplicates_tab)
    settle()
    groups = window.duplicates._clusters
    contradiction = next((g for g in groups if g["kind"] == "contradiction"), None)
    if contradiction is not None:
        window.duplicates.select_cluster(contradiction["id"])
    shoot("duplicates")
    # a group that differs in one detail: its reason, and the detail marked in each input
    variant = next((g for g in groups if g["reason"].startswith("differs in")), None)
    if variant is not None:
        window.duplicates.select_cluster(variant["id"])
        shoot("duplicates-reasons")
    # labelling: the panel beside a record of the demo's pilot batch
    window.tabs.setCurrentIndex(0)
    window.select_row(keys.index("acme-002"))
    window.toggle_labeling()
    shoot("labelling")
    window.tabs.setCurrentWidget(window.agreement_tab)
    settle()
    shoot("agreement")
    window.tabs.setCurrentWidget(window.adjudication_tab)
    settle()
    shoot("adjudication")
    window.tabs.setCurrentIndex(0)
    window.export_dataset()
    dialog = window.export_dialog
    show_dialog(camera, dialog)
    settle(1.5)
    shoot("export", dialog)
    dialog.close()


@scene("pack", "packs")
def take_packs(camera: Camera, project: Path, tmp: Path) -> None:
    """An annotation pack: handed out to alice, opened in her Curator, merged back."""
    from curator.core.labeling.labels import set_label
    from curator.core.labeling.packs import export_pack
    from curator.core.store import Store

    window, settle = camera.window, camera.settle
    pack = tmp / "demo-alice.curatorpack"
    with Store.open(project) as store:
        run_job(export_pack(store, pack, "alice", "pilot", actor="docs"))
    window.open_project(pack)
    settle()
    window.select_row(3)
    if not window.label_dock.isVisible():
        window.toggle_labeling()
    camera.shoot("pack")
    record = window.current_id
    assert record is not None
    with Store.open(pack) as store:  # alice changes her mind on one record
        set_label(store, record, "helpfulness", "alice", 3)
    window.open_project(project)
    settle()
    window.packs.import_file(pack)
    settle()
    window.packs.show_status()
    packs = window.packs.dialog
    assert packs is not None
    show_dialog(camera, packs)
    camera.shoot("packs", packs)
    packs.close()


@scene("fields", "import")
def take_getting_started(camera: Camera, project: Path, tmp: Path) -> None:
    """A new project: its empty Fields and guidelines, and an import's summary."""
    from curator.app.label_setup import SchemaDialog

    window, settle = camera.window, camera.settle
    fresh = tmp / "fresh.curator"
    window.open_project(fresh, create=True)
    settle()
    assert window.store is not None
    dialog = SchemaDialog(window.store, window.annotator, window, submit=window.submit_op)
    show_dialog(camera, dialog)
    camera.shoot("fields", dialog)
    dialog.close()
    copies = []
    for index, name in enumerate(("acme_support (copy from the helpdesk export).jsonl",
                                  "acme_sharegpt-backup-2024-05-01.json")):
        copy = tmp / name
        copy.write_bytes(sample_files()[index % len(sample_files())].read_bytes())
        copies.append(copy)
    broken = tmp / "half-written-download.jsonl"  # not there (any more): a failed file
    window.import_paths([*sample_files(), *copies, broken])
    settle(1.0)
    summary = window.transfer.summary
    if summary is not None:
        show_dialog(camera, summary)
        camera.shoot("import", summary)
        summary.close()
    settle()


@scene("preference")
def take_preference(camera: Camera, project: Path, tmp: Path) -> None:
    """A preference pair (OpenAI's format, a public sample): the prompt, then the chosen
    and the rejected answer side by side, the words that differ marked."""
    from curator.core.checks.scan import scan
    from curator.core.ingest import import_files
    from curator.core.store import Store

    pairs = tmp / "pairs.curator"
    sample = DOCS.parent / "tests" / "data" / "openai_dpo_example.jsonl"
    with Store.open(pairs, create=True) as store:
        run_job(import_files(store, [sample], actor="docs"))
        run_job(scan(store, ("schema",), actor="docs"))
        record = store.record("openai_dpo_example.jsonl:23")  # short answers, one sentiment
    assert record is not None
    window = camera.window
    window.open_project(pairs)
    camera.settle()
    row = window.model.row_of(record["id"])
    assert row is not None
    window.select_row(row)
    camera.shoot("preference")



@scene("pairwise", "pairwise-adjudication")
def take_pairwise(camera: Camera, project: Path, tmp: Path) -> None:
    """A pairwise field on preference pairs (a public sample): the labelling panel with
    the two answers in the annotator's blind order, the record view beside it blind too
    (the same order, Answer 1 and Answer 2, no Chosen/Rejected), then a disagreement in the
    Adjudication tab, where deciding for the rejected answer swaps the pair."""
    from curator.core.ingest import import_files
    from curator.core.labeling import assignment, labels, pairwise, schema
    from curator.core.store import Store

    path = tmp / "pairwise.curator"
    sample = DOCS.parent / "tests" / "data" / "openai_dpo_example.jsonl"
    with Store.open(path, create=True) as store:
        run_job(import_files(store, [sample], actor="docs"))
        schema.add_field(store, "better", "pairwise", description="Which answer serves the "
                         "user better: correct, complete, no padding?", actor="docs")
        schema.set_guidelines(store, "Compare the two answers to the same prompt. Judge "
                              "the content, not the length. **Tie** only when neither is "
                              "better.", actor="docs")
        for name in ("docs", "alice"):
            assignment.add_annotator(store, name, actor="docs")
        assignment.add_annotator(store, "judge", "adjudicator", actor="docs")
        ids = [r for (r,) in store.db.execute("SELECT id FROM records ORDER BY id LIMIT 12")]
        assignment.create_batch(store, "pilot", ids, ["docs", "alice"], pilot=True,
                                actor="docs")
        for n, rid in enumerate(ids[:6]):    # as each saw them: their own blind order
            for name, picked in (("alice", "B" if n in (1, 4) else "A"), ("docs", "A")):
                order = pairwise.blind_pair(store, rid, name)
                if order is not None and (name, n) != ("docs", 0):
                    labels.set_label(store, rid, "better", name, pairwise.value_for(
                        order.order, order.order.index(picked)))
        shown = store.record("openai_dpo_example.jsonl:1")
    assert shown is not None
    window, settle = camera.window, camera.settle
    window.open_project(path)
    settle()
    window.set_user("docs", remember=False)
    row = window.model.row_of(shown["id"])
    assert row is not None
    window.select_row(row)
    window.toggle_labeling()
    settle()
    camera.shoot("pairwise")
    window.set_user("judge", remember=False)
    window.tabs.setCurrentWidget(window.adjudication_tab)
    window.labels.adjudication.set_field("better")
    settle()
    camera.shoot("pairwise-adjudication")
    window.set_user("docs", remember=False)
    window.tabs.setCurrentIndex(0)

#: A small support desk for the label-quality scene: (intent, requests) in plain words.
TICKETS = {
    "billing": ["I was charged twice for my {m} invoice", "Why did my card get billed {a}?",
                "Please refund the {m} payment", "Can I get a copy of my {m} receipt?",
                "The invoice shows the wrong amount, {a}", "How do I update my payment card?",
                "My subscription price went up {a}", "Cancel the renewal charge for {m}",
                "I need a VAT invoice for {m}", "A charge I do not recognise appeared {a}",
                "Can I pay by bank transfer instead of card?", "Why is there a late fee on "
                "my {m} bill?", "Switch me to yearly billing please",
                "Refund the duplicate payment from {m}", "What does the {m} charge cover?"],
    "shipping": ["Where is my parcel? I ordered it {a}", "The courier lost my package",
                 "Tracking has not updated since {m}", "Can you ship to Norway?",
                 "My order arrived damaged {a}", "How long does delivery take to Spain?",
                 "The box was left at the wrong address", "Change the delivery address of "
                 "my order", "Is express shipping available {a}?",
                 "My package is stuck in customs since {m}", "The tracking number does not "
                 "work", "Only half of my order was delivered", "Can I pick the parcel up "
                 "myself?", "Delivery was promised {a} but nothing came",
                 "Who is the courier for my {m} order?"],
    "account": ["I cannot log in to my account {a}", "Reset my password please",
                "How do I change the e-mail on my account?", "My account was locked {a}",
                "Delete my account and my data", "Two-factor codes stopped working {a}",
                "I forgot my username", "Add a second user to my account",
                "How do I change my display name?", "Someone else logged into my account "
                "{a}", "Merge my two accounts into one", "The verification e-mail never "
                "arrived", "Remove my old phone number from the profile",
                "Why was I signed out {a}?", "Transfer the account to my colleague"],
    "technical": ["The app crashes when I open settings {a}", "Export to CSV gives an error",
                  "The dashboard is very slow since {m}", "Sync fails with error 504",
                  "The page is blank in Firefox {a}", "Uploads stop at 99 percent",
                  "Notifications do not arrive on Android", "The API returns 401 for a "
                  "valid key", "Search shows no results {a}", "Charts do not load on the "
                  "report page", "The desktop app will not start after the {m} update",
                  "Images are not displayed {a}", "Webhooks stopped firing since {m}",
                  "Dark mode makes the text unreadable", "Import keeps timing out {a}"],
}
#: The answer each request got: which team takes it.
TEAMS = {"billing": "Thanks, I have passed this to our billing team.",
         "shipping": "Thanks, our delivery team will check your order.",
         "account": "Thanks, our account team will help you with this.",
         "technical": "Thanks, I have opened a ticket with our engineers."}
#: Labels given wrongly on purpose (record index -> label), for the queue to find.
TICKET_FLIPS = {2: "shipping", 19: "account", 33: "technical", 47: "billing",
                52: "billing"}


def ticket_project(tmp: Path) -> Path:
    """52 labelled support requests (5 of them mislabelled) and 8 unlabelled ones."""
    from curator.core.ingest import import_files
    from curator.core.labeling.assignment import add_annotator
    from curator.core.labeling.labels import set_label
    from curator.core.labeling.schema import add_field
    from curator.core.store import Store

    months, asks = ["March", "April", "May"], ["yesterday", "last week", "again"]
    rows = [(text.format(m=months[i % 3], a=asks[i % 3]), intent)
            for intent, texts in TICKETS.items() for i, text in enumerate(texts)]
    # 13 of each intent labelled first, then the other 2 of each, not labelled yet
    rows = ([r for i, r in enumerate(rows) if i % 15 < 13]
            + [r for i, r in enumerate(rows) if i % 15 >= 13])
    data = tmp / "tickets.jsonl"
    data.write_text("".join(json.dumps({"messages": [
        {"role": "user", "content": text},
        {"role": "assistant", "content": TEAMS[intent]}]})
        + "\n" for text, intent in rows), encoding="utf-8")
    path = tmp / "tickets.curator"
    with Store.open(path, create=True) as store:
        run_job(import_files(store, [data], actor="docs"))
        add_field(store, "intent", "single", options=list(TICKETS),
                  description="What the customer wants.", actor="docs")
        add_annotator(store, "alice", actor="docs")
        add_annotator(store, "docs", role="adjudicator", actor="docs")
        ids = [r[0] for r in store.db.execute("SELECT id FROM records ORDER BY id")]
        for index, (record, (_, intent)) in enumerate(zip(ids, rows, strict=True)):
            if index < 52:
                set_label(store, record, "intent", "alice", TICKET_FLIPS.get(index, intent))
    return path


@scene("label-errors", "suggestion", "similar")
def take_label_quality(camera: Camera, project: Path, tmp: Path) -> None:
    """Likely label errors on a small labelled support desk (the real embedding model),
    the model's suggestion in the labelling panel, and find similar."""
    window, settle = camera.window, camera.settle
    window.open_project(ticket_project(tmp))
    settle()
    window.label_quality.run_scan()
    settle(2.0)
    camera.shoot("label-errors")
    window.tabs.setCurrentIndex(0)
    keys = [(window.model.row_data(r) or {}).get("key") for r in range(window.model.rowCount())]
    window.select_row(keys.index("tickets.jsonl:55"))   # not labelled yet
    window.toggle_labeling()
    settle(2.0)
    camera.shoot("suggestion")
    window.label_quality.find_similar()
    settle(2.0)
    dialog = window.label_quality.similar_dialog
    assert dialog is not None
    show_dialog(camera, dialog)
    camera.shoot("similar", dialog)
    dialog.close()


#: Exports the project (argv 1) to a folder (argv 2) and dies right after publishing it,
#: before the export is recorded: the state a kill there leaves.
KILLED_AFTER_PUBLISHING = """
import os, sys
from pathlib import Path
from curator.core.export import ExportOptions, export, job
from curator.core.jobs import run_job
from curator.core.store import Store

real = job.publish

def publish_then_die(staging, outdir, overwrite):
    real(staging, outdir, overwrite)
    os._exit(9)

job.publish = publish_then_die
with Store.open(sys.argv[1]) as store:
    run_job(export(store, Path(sys.argv[2]), ExportOptions(pii="keep")))
"""


@scene("export-readiness", "export-recovered")
def take_export_safety(camera: Camera, project: Path, tmp: Path) -> None:
    """The readiness checklist of a redacting export (what redaction does to duplicates
    and splits), and the window opening a project whose last export was killed after
    its folder was published but before it was recorded."""
    window, settle = camera.window, camera.settle
    window.export_dataset()
    dialog = window.export_dialog
    planned: list[bool] = []
    dialog.planned.connect(lambda: planned.append(True))
    dialog.tabs.setCurrentWidget(dialog.readiness_table)
    show_dialog(camera, dialog)
    end = time.monotonic() + 60
    while not planned and time.monotonic() < end:    # the counts, on the dialog's reader
        settle(0.2)
    camera.shoot("export-readiness", dialog)
    dialog.close()
    subprocess.run([sys.executable, "-c", KILLED_AFTER_PUBLISHING, str(project),
                    str(tmp / "export")], cwd=DOCS.parent, check=False)
    window.open_project(project)
    settle(2.0)
    camera.shoot("export-recovered")


def take_here(out: Path, only: set[str] | None = None) -> int:
    app = application()
    screen = QGuiApplication.primaryScreen().availableGeometry()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings, annotator="docs")
        window.setGeometry(screen)  # no window manager under Xvfb: fill the screen
        window.show()
        camera = Camera(app, window, out)
        camera.settle()
        take_all(camera, tmp, only)
        sizes: dict[str, Any] = {"screen": [screen.width(), screen.height()],
                                 "window": [window.frameGeometry().width(),
                                            window.frameGeometry().height()]}
        print(json.dumps(sizes))
        window.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--here", action="store_true",
                        help="take them on this display (else: under Xvfb, each size)")
    parser.add_argument("--out", type=Path, default=DOCS, help="where to write them")
    parser.add_argument("--size", action="append", default=[],
                        help="WIDTHxHEIGHT of the screen (repeatable; default: both sizes)")
    parser.add_argument("--only", action="append", default=[],
                        help="take only the scenes that take this screenshot NAME "
                             "(repeatable; default: all)")
    args = parser.parse_args()
    only = set(args.only) or None
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.size] or SIZES
    args.out.mkdir(parents=True, exist_ok=True)
    if args.here:
        return take_here(args.out, only)
    for width, height in sizes:
        subprocess.run(["xvfb-run", "-a", "-s", f"-screen 0 {width}x{height}x24",
                        sys.executable, __file__, "--here", "--out", str(args.out),
                        *(f"--only={name}" for name in sorted(only or ()))],
                       check=True, env={**os.environ, "QT_QPA_PLATFORM": "xcb"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
