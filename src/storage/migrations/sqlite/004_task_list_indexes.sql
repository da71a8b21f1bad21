-- The task list's orderings and filter (docs/decisions/009-task-list-queries.md): each index
-- serves WHERE owner_id = ? [AND completed = ?] ORDER BY <column>, id with a LIMIT, read in
-- order instead of sorted; read backwards it serves the descending order, ties then sorted by
-- ascending id within each group of equal values. completed has two values, so its groups are
-- large: the descending order has an index of its own. (owner_id, id) is 001's.
CREATE INDEX tasks_owner_id_title_id ON tasks (owner_id, title, id);
CREATE INDEX tasks_owner_id_created_at_id ON tasks (owner_id, created_at, id);
CREATE INDEX tasks_owner_id_updated_at_id ON tasks (owner_id, updated_at, id);
CREATE INDEX tasks_owner_id_completed_id ON tasks (owner_id, completed, id);
CREATE INDEX tasks_owner_id_completed_desc_id ON tasks (owner_id, completed DESC, id);
