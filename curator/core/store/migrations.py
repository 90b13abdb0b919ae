"""The project file's schema, as an ordered list of migrations.

``PRAGMA user_version`` holds how many migrations a file has had. A file with a higher
number was written by a newer Curator and is refused untouched. Add a migration by
appending to :data:`MIGRATIONS`; never edit one that has shipped.
"""

from __future__ import annotations

#: ``PRAGMA application_id`` of every Curator project ("CURA").
APPLICATION_ID = 0x43555241

# Statements are split on ";": keep semicolons out of comments and strings.
MIGRATIONS: list[str] = [
    # 1: the foundation.
    """
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE sources (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        path        TEXT NOT NULL,
        sha256      TEXT NOT NULL UNIQUE,
        size        INTEGER NOT NULL,
        layout      TEXT NOT NULL,
        encoding    TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        records     INTEGER NOT NULL DEFAULT 0,
        invalid     INTEGER NOT NULL DEFAULT 0,
        blank_lines INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE records (
        id           INTEGER PRIMARY KEY,
        key          TEXT NOT NULL UNIQUE,
        source_id    INTEGER NOT NULL REFERENCES sources(id),
        line         INTEGER NOT NULL,
        item         INTEGER,
        own_id       TEXT,
        raw          BLOB NOT NULL,
        valid        INTEGER NOT NULL CHECK (valid IN (0, 1)),
        format       TEXT,
        -- canonical JSON, or NULL on a valid record whose raw UTF-8 JSON is canonical
        conversation TEXT,
        error_code   TEXT,
        error        TEXT,
        notes        TEXT,
        conv_hash    TEXT,
        input_hash   TEXT,
        output_hash  TEXT,
        first_user   TEXT,
        tokens       INTEGER,
        review       TEXT NOT NULL DEFAULT 'unreviewed'
                     CHECK (review IN ('unreviewed', 'accepted', 'rejected', 'needs-edit')),
        revision     INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX records_source ON records(source_id, line);
    CREATE INDEX records_review ON records(review);
    CREATE TABLE revisions (
        id         INTEGER PRIMARY KEY,
        record_id  INTEGER NOT NULL REFERENCES records(id),
        number     INTEGER NOT NULL,
        author     TEXT NOT NULL,
        created_at TEXT NOT NULL,
        before     TEXT,
        after      TEXT NOT NULL,
        note       TEXT,
        UNIQUE (record_id, number)
    );
    CREATE TABLE findings (
        id               INTEGER PRIMARY KEY,
        record_id        INTEGER REFERENCES records(id),
        kind             TEXT NOT NULL,
        code             TEXT NOT NULL,
        severity         TEXT NOT NULL,
        description      TEXT NOT NULL,
        message_index    INTEGER,
        start            INTEGER,
        "end"            INTEGER,
        text             TEXT,
        detail           TEXT,
        detector         TEXT NOT NULL,
        detector_version TEXT NOT NULL,
        status           TEXT NOT NULL DEFAULT 'open'
                         CHECK (status IN ('open', 'dismissed', 'resolved')),
        status_by        TEXT,
        status_at        TEXT,
        created_at       TEXT NOT NULL
    );
    CREATE INDEX findings_record ON findings(record_id);
    CREATE INDEX findings_kind ON findings(kind, code);
    CREATE TABLE events (
        id        INTEGER PRIMARY KEY,
        at        TEXT NOT NULL,
        actor     TEXT NOT NULL,
        action    TEXT NOT NULL,
        record_id INTEGER,
        detail    TEXT
    );
    CREATE INDEX events_record ON events(record_id);
    """,
    # 2: full-text search over every message of a record (built by index_text jobs).
    """
    CREATE VIRTUAL TABLE record_text USING fts5(body, tokenize = 'unicode61');
    ALTER TABLE records ADD COLUMN indexed_revision INTEGER;
    CREATE INDEX findings_open ON findings(record_id, kind) WHERE status = 'open';
    """,
    # 3: which window or command wrote an event, so a window sees others' changes.
    """
    ALTER TABLE events ADD COLUMN session TEXT;
    CREATE INDEX records_tokens ON records(tokens);
    """,
    # 4: counts and review filters read a small covering index, not the records' pages
    # (which hold the raw lines: a million of them is gigabytes).
    """
    DROP INDEX records_review;
    CREATE INDEX records_review_valid ON records(review, valid);
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
