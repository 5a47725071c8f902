-- 001: the first schema of the oaipmh store. docs/store.md explains every table.
-- Conventions: datestamps are TEXT in the OAI-PMH form (`YYYY-MM-DD` or
-- `YYYY-MM-DDThh:mm:ssZ`, UTC); our own are always seconds granularity, so
-- they sort as text. Upstream values are kept exactly as received.

-- Settings of this store, one row a key.
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- The key that signs resumption tokens when the configuration names no key
-- file: 32 random bytes (hex), made once when the store is created.
INSERT INTO settings (key, value) VALUES
  ('resumption_token_key', lower(hex(randomblob(32)))),
  ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));

-- One upstream repository that we harvest. `name` is also our set for it.
CREATE TABLE sources (
  id                 INTEGER PRIMARY KEY,
  name               TEXT NOT NULL UNIQUE,
  base_url           TEXT NOT NULL,
  -- From Identify (HV-1); NULL until the first Identify succeeded.
  repository_name    TEXT,
  declared_base_url  TEXT,
  protocol_version   TEXT,
  admin_emails       TEXT,   -- space-separated
  earliest_datestamp TEXT,
  deleted_record     TEXT CHECK (deleted_record IN ('no', 'transient', 'persistent')),
  granularity        TEXT CHECK (granularity IN ('YYYY-MM-DD', 'YYYY-MM-DDThh:mm:ssZ')),
  compression        TEXT,   -- space-separated encodings, as declared
  identified_at      TEXT,   -- responseDate of that Identify
  created_at         TEXT NOT NULL
);

-- Metadata formats a source offers (ListMetadataFormats).
CREATE TABLE source_formats (
  source_id          INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  metadata_prefix    TEXT NOT NULL,
  schema_url         TEXT NOT NULL,
  metadata_namespace TEXT NOT NULL,
  PRIMARY KEY (source_id, metadata_prefix)
) WITHOUT ROWID;

-- Sets a source declares (ListSets), with their names and descriptions.
CREATE TABLE sets (
  source_id    INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  set_spec     TEXT NOT NULL,   -- upstream setSpec; ours is <source name>:<set_spec>
  set_name     TEXT NOT NULL,
  descriptions TEXT,            -- the setDescription elements, raw XML, concatenated
  PRIMARY KEY (source_id, set_spec)
) WITHOUT ROWID;

-- One harvested record: an (upstream identifier, metadataPrefix) of a source
-- (G-2, HV-13). A deletion upstream leaves a tombstone (deleted = 1,
-- metadata NULL) that is never dropped (AG-7).
CREATE TABLE records (
  id                  INTEGER PRIMARY KEY,  -- also the keyset tiebreak for paging
  source_id           INTEGER NOT NULL REFERENCES sources (id),
  upstream_identifier TEXT NOT NULL,
  metadata_prefix     TEXT NOT NULL,
  upstream_datestamp  TEXT NOT NULL,   -- as received
  datestamp           TEXT NOT NULL,   -- ours: when the content last changed here
  deleted             INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
  metadata            TEXT,            -- the payload's root element, raw XML
  about               TEXT,            -- upstream <about> contents, raw XML
  -- The Dublin Core elements of an oai_dc payload, in document order, as a
  -- JSON array of [element, value, xml:lang or null]; NULL for other formats
  -- and tombstones. One column, not a row per element: a harvest writes
  -- tens of thousands of records a second.
  dc                  TEXT,
  content_hash        TEXT NOT NULL,   -- SHA-256 of what we serve: deleted, sets, metadata, about
  harvest_date        TEXT NOT NULL,   -- upstream responseDate of the page that brought it
  UNIQUE (source_id, upstream_identifier, metadata_prefix),
  CHECK (deleted = 0 OR metadata IS NULL)
);
CREATE INDEX records_by_datestamp ON records (metadata_prefix, datestamp, id);

-- The setSpecs in a record's header, as received (the minimal ones, S-4).
CREATE TABLE record_sets (
  record_id INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
  set_spec  TEXT NOT NULL,
  PRIMARY KEY (record_id, set_spec)
) WITHOUT ROWID;
CREATE INDEX record_sets_by_spec ON record_sets (set_spec, record_id);

-- The Dublin Core elements of every record, one row each, for people and
-- queries (records.dc is where they are stored).
CREATE VIEW dc_elements (record_id, position, element, value, lang) AS
  SELECT r.id, CAST(e.key AS INTEGER), json_extract(e.value, '$[0]'),
         json_extract(e.value, '$[1]'), json_extract(e.value, '$[2]')
  FROM records r, json_each(r.dc) e
  WHERE r.dc IS NOT NULL;

-- Full-text index over the Dublin Core text; rowid = records.id.
CREATE VIRTUAL TABLE dc_fts USING fts5 (
  title, creator, subject, description, other,
  tokenize = 'unicode61 remove_diacritics 2'
);

-- One `oaipmh harvest` of one source.
CREATE TABLE harvest_runs (
  id                INTEGER PRIMARY KEY,
  source_id         INTEGER NOT NULL REFERENCES sources (id),
  started_at        TEXT NOT NULL,
  ended_at          TEXT,
  result            TEXT NOT NULL DEFAULT 'running'
                      CHECK (result IN ('running', 'ok', 'failed', 'interrupted')),
  records_new       INTEGER NOT NULL DEFAULT 0,
  records_updated   INTEGER NOT NULL DEFAULT 0,
  records_deleted   INTEGER NOT NULL DEFAULT 0,
  records_unchanged INTEGER NOT NULL DEFAULT 0,
  pages             INTEGER NOT NULL DEFAULT 0,
  bytes             INTEGER NOT NULL DEFAULT 0,
  retries           INTEGER NOT NULL DEFAULT 0,
  error             TEXT
);
CREATE INDEX harvest_runs_by_source ON harvest_runs (source_id, started_at);

-- One list a source is harvested as: a metadataPrefix and an optional set
-- ('' for the whole repository). next_from is the incremental watermark
-- (HV-3): NULL until a list completed.
CREATE TABLE harvest_lists (
  id              INTEGER PRIMARY KEY,
  source_id       INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  metadata_prefix TEXT NOT NULL,
  set_spec        TEXT NOT NULL DEFAULT '',
  next_from       TEXT,
  completed_at    TEXT,
  UNIQUE (source_id, metadata_prefix, set_spec)
);

-- Where an unfinished list stands, written with each page (one transaction).
CREATE TABLE checkpoints (
  list_id             INTEGER PRIMARY KEY REFERENCES harvest_lists (id) ON DELETE CASCADE,
  window_from         TEXT,     -- the list's from, as sent; NULL for none
  window_until        TEXT,     -- the list's until, as sent; NULL for none
  first_response_date TEXT NOT NULL,  -- responseDate of the list's first page
  resumption_token    TEXT NOT NULL,  -- the token to send next
  page_number         INTEGER NOT NULL,  -- pages committed so far
  updated_at          TEXT NOT NULL
);

-- Responses or records that could not be stored, kept raw for replay.
CREATE TABLE quarantine (
  id          INTEGER PRIMARY KEY,
  source_id   INTEGER REFERENCES sources (id),
  run_id      INTEGER REFERENCES harvest_runs (id),
  request_url TEXT NOT NULL,
  received_at TEXT NOT NULL,
  error       TEXT NOT NULL,
  byte_offset INTEGER,   -- where in raw the problem was found, when known
  raw         BLOB NOT NULL
);
