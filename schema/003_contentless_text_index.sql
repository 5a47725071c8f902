-- 003: the full-text index keeps no copy of the text it indexes. records.dc
-- already holds every Dublin Core value, and the index's own copy made a
-- fifth of the store; queries only need the matching rowids and bm25().

-- The text of each live oai_dc record (records of other formats are not
-- indexed, even with a Dublin Core payload) as dc_fts indexes it, from
-- records.dc: values in document order, one a line, title, creator, subject
-- and description apart and every other element together. The page writer
-- builds the same columns; removing a record from a contentless index takes
-- the columns it was indexed with, which this view gives back. One pass of
-- json_each a record (group_concat skips the NULLs of other elements), twice
-- as fast as a subquery a column when 003 indexes an existing store.
CREATE VIEW dc_fts_text (record_id, title, creator, subject, description, other) AS
  SELECT r.id,
    group_concat(CASE WHEN json_extract(e.value, '$[0]') = 'title'
                      THEN json_extract(e.value, '$[1]') END, char(10)),
    group_concat(CASE WHEN json_extract(e.value, '$[0]') = 'creator'
                      THEN json_extract(e.value, '$[1]') END, char(10)),
    group_concat(CASE WHEN json_extract(e.value, '$[0]') = 'subject'
                      THEN json_extract(e.value, '$[1]') END, char(10)),
    group_concat(CASE WHEN json_extract(e.value, '$[0]') = 'description'
                      THEN json_extract(e.value, '$[1]') END, char(10)),
    group_concat(CASE WHEN json_extract(e.value, '$[0]')
                           NOT IN ('title', 'creator', 'subject', 'description')
                      THEN json_extract(e.value, '$[1]') END, char(10))
  FROM records r, json_each(r.dc) e
  WHERE r.dc IS NOT NULL AND r.metadata_prefix = 'oai_dc'
  GROUP BY r.id;

DROP TABLE dc_fts;
CREATE VIRTUAL TABLE dc_fts USING fts5 (
  title, creator, subject, description, other,
  content = '',
  tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO dc_fts (rowid, title, creator, subject, description, other)
  SELECT record_id, title, creator, subject, description, other FROM dc_fts_text;

-- FTS5 merges its segments once 16 of a level exist instead of 4: a harvest
-- writing pages of a few hundred records spent a third of the index's time
-- merging (31 -> 20 us a record, measured); a query reads a few more
-- segments, which costs microseconds.
INSERT INTO dc_fts (dc_fts, rank) VALUES ('automerge', 16);
