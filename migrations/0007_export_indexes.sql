-- Gold and judge-training exports read a page of items' labels in one range read, `WHERE item_id BETWEEN ? AND ?
-- ORDER BY item_id, id`. The (item_id, annotator_id, slot) unique index gives them by annotator, so SQLite sorted
-- every page's labels (a temporary b-tree): 9.1 s of the gold export's 9M-label read, 6.1 s with this index, which
-- gives them in the order asked (docs/BENCHMARKS.md, issue 14 part 1). Not covering: the rows are read from the
-- table, whose labels of an item sit together, and the index stays small when labels carry long rationales.
CREATE INDEX labels_item_order ON labels (item_id, id);

-- Whether a project holds a conversation item (a gold export's columns depend on it) read every item's content:
-- ~1.4 s at a million items before a gold export's first byte. The partial index holds only conversation items
-- (content with a judged `turn`), so the question is one index probe. Its expression must stay exactly the one the
-- export asks (server/exports/exports.repo.ts `hasConversation`) for SQLite to use it.
CREATE INDEX items_conversation ON items (project_id) WHERE json_type(content, '$.turn') IS NOT NULL;
