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
    # 5: PII results per distinct text and detector settings, so rescans are incremental.
    """
    CREATE TABLE pii_cache (
        text_hash     TEXT NOT NULL,
        settings_hash TEXT NOT NULL,
        spans         TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        PRIMARY KEY (text_hash, settings_hash)
    ) WITHOUT ROWID;
    CREATE INDEX findings_text ON findings(kind, text) WHERE kind = 'pii';
    """,
    # 6: sentence embeddings per distinct text and model, and duplicate clusters.
    """
    CREATE TABLE embeddings (
        text_hash TEXT NOT NULL,
        model     TEXT NOT NULL,
        dim       INTEGER NOT NULL,
        vector    BLOB NOT NULL,
        PRIMARY KEY (text_hash, model)
    ) WITHOUT ROWID;
    CREATE TABLE clusters (
        id         INTEGER PRIMARY KEY,
        kind       TEXT NOT NULL,
        size       INTEGER NOT NULL,
        detail     TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE cluster_members (
        cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        record_id  INTEGER NOT NULL REFERENCES records(id),
        similarity REAL,
        PRIMARY KEY (cluster_id, record_id)
    ) WITHOUT ROWID;
    CREATE INDEX cluster_members_record ON cluster_members(record_id);
    """,
    # 7: labelling: the label schema, annotators, batches and assignments, labels
    # (one current value per record, field and annotator, history in events),
    # adjudicated final values and annotation packs.
    """
    CREATE TABLE annotators (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        role       TEXT NOT NULL DEFAULT 'annotator'
                   CHECK (role IN ('annotator', 'adjudicator')),
        created_at TEXT NOT NULL
    );
    CREATE TABLE label_fields (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        kind        TEXT NOT NULL CHECK (kind IN ('single', 'multi', 'rating', 'text')),
        options     TEXT NOT NULL DEFAULT '[]',
        scale       INTEGER,
        description TEXT NOT NULL DEFAULT '',
        position    INTEGER NOT NULL DEFAULT 0,
        archived    INTEGER NOT NULL DEFAULT 0,
        created_at  TEXT NOT NULL
    );
    CREATE TABLE batches (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        pilot      INTEGER NOT NULL DEFAULT 0,
        overlap    INTEGER NOT NULL DEFAULT 1,
        blind      INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );
    CREATE TABLE assignments (
        batch_id     INTEGER NOT NULL REFERENCES batches(id),
        record_id    INTEGER NOT NULL REFERENCES records(id),
        annotator_id INTEGER NOT NULL REFERENCES annotators(id),
        PRIMARY KEY (batch_id, record_id, annotator_id)
    ) WITHOUT ROWID;
    CREATE INDEX assignments_annotator ON assignments(annotator_id, record_id);
    CREATE TABLE labels (
        record_id    INTEGER NOT NULL REFERENCES records(id),
        field_id     INTEGER NOT NULL REFERENCES label_fields(id),
        annotator_id INTEGER NOT NULL REFERENCES annotators(id),
        value        TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        origin       TEXT,
        PRIMARY KEY (record_id, field_id, annotator_id)
    ) WITHOUT ROWID;
    CREATE INDEX labels_field ON labels(field_id, annotator_id);
    CREATE TABLE adjudications (
        record_id   INTEGER NOT NULL REFERENCES records(id),
        field_id    INTEGER NOT NULL REFERENCES label_fields(id),
        value       TEXT NOT NULL,
        adjudicator TEXT NOT NULL,
        decided_at  TEXT NOT NULL,
        note        TEXT,
        PRIMARY KEY (record_id, field_id)
    ) WITHOUT ROWID;
    CREATE TABLE packs (
        id           INTEGER PRIMARY KEY,
        digest       TEXT NOT NULL UNIQUE,
        annotator_id INTEGER NOT NULL REFERENCES annotators(id),
        batch        TEXT,
        path         TEXT NOT NULL,
        records      INTEGER NOT NULL,
        exported_at  TEXT NOT NULL,
        imported_at  TEXT,
        merged       INTEGER NOT NULL DEFAULT 0,
        detail       TEXT
    );
    """,
    # 8: every export, with its manifest.
    """
    CREATE TABLE exports (
        id           INTEGER PRIMARY KEY,
        created_at   TEXT NOT NULL,
        actor        TEXT NOT NULL,
        outdir       TEXT NOT NULL,
        dataset_hash TEXT NOT NULL,
        manifest     TEXT NOT NULL
    );
    """,
    # 9: the duplicate scan's neighbour search, kept so a rescan searches only new texts:
    # the searched input texts (32-byte sha256 digests, in order) and the pairs found
    # among them (int32 positions in that list, float32 cosines), per model and threshold.
    """
    CREATE TABLE similarity_search (
        model      TEXT NOT NULL,
        threshold  REAL NOT NULL,
        method     TEXT NOT NULL,
        params     TEXT NOT NULL,
        texts      INTEGER NOT NULL,
        hashes     BLOB NOT NULL,
        pair_a     BLOB NOT NULL,
        pair_b     BLOB NOT NULL,
        pair_sim   BLOB NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (model, threshold)
    );
    """,
    # 10: pairwise label fields (issue 17). The kind's CHECK gains 'pairwise' in place:
    # every stored row fits the wider check, and rebuilding label_fields would need its
    # labels moved aside (foreign keys). SQLite documents this edit of sqlite_master for
    # a loosened CHECK. A table made and dropped bumps the schema cookie so that other
    # connections reread the schema, and RESET makes this one reread it.
    """
    PRAGMA writable_schema = ON;
    UPDATE sqlite_master SET sql = replace(sql,
        'CHECK (kind IN (''single'', ''multi'', ''rating'', ''text''))',
        'CHECK (kind IN (''single'', ''multi'', ''rating'', ''text'', ''pairwise''))')
        WHERE type = 'table' AND name = 'label_fields';
    PRAGMA writable_schema = OFF;
    CREATE TABLE schema_bump (x);
    DROP TABLE schema_bump;
    PRAGMA writable_schema = RESET
    """,
    # 11: records sent to adjudication for a field although their labels agree (a likely
    # label error, issue 18): the adjudication queue lists them until decided.
    """
    CREATE TABLE adjudication_requests (
        record_id    INTEGER NOT NULL REFERENCES records(id),
        field_id     INTEGER NOT NULL REFERENCES label_fields(id),
        requested_by TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        reason       TEXT,
        PRIMARY KEY (record_id, field_id)
    ) WITHOUT ROWID;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
