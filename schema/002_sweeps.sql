-- 002: full harvests that mark the records they did not see as deleted
-- (HV-11), for sources that do not report deletions persistently.

-- A full harvest of a list in progress; removed when the list completes.
CREATE TABLE sweeps (
  list_id    INTEGER PRIMARY KEY REFERENCES harvest_lists (id) ON DELETE CASCADE,
  started_at TEXT NOT NULL
);

-- The upstream identifiers a sweep has seen so far, written with each page.
CREATE TABLE sweep_seen (
  list_id             INTEGER NOT NULL REFERENCES sweeps (list_id) ON DELETE CASCADE,
  upstream_identifier TEXT NOT NULL,
  PRIMARY KEY (list_id, upstream_identifier)
) WITHOUT ROWID;
