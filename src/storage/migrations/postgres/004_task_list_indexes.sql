-- The task list's orderings and filter (docs/decisions/009-task-list-queries.md): each index
-- serves WHERE owner_id = $1 [AND completed = $2] ORDER BY <column>, id with a LIMIT, read in
-- order instead of sorted; read backwards it serves the descending order, ties then sorted by
-- ascending id within each group of equal values (an incremental sort). Titles are ordered in
-- byte order (COLLATE "C", as the queries say). completed has two values, so its groups are
-- large: the descending order has an index of its own. (owner_id, id) is 001's.
CREATE INDEX tasks_owner_id_title_id ON tasks (owner_id, title COLLATE "C", id);
CREATE INDEX tasks_owner_id_created_at_id ON tasks (owner_id, created_at, id);
CREATE INDEX tasks_owner_id_updated_at_id ON tasks (owner_id, updated_at, id);
CREATE INDEX tasks_owner_id_completed_id ON tasks (owner_id, completed, id);
CREATE INDEX tasks_owner_id_completed_desc_id ON tasks (owner_id, completed DESC, id);

-- How many tasks each user has, and how many of them are completed: a page's "count" for a
-- list without search terms, which COUNT(*) over the owner's index takes tens of
-- milliseconds to find for a user with a million tasks (decision 009). A trigger keeps it
-- exact in the writing statement's transaction; no row means no task. (Concurrent writes of
-- one user's tasks queue on that user's row; each is one short statement.)
CREATE TABLE task_counts (
    owner_id  BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    total     BIGINT NOT NULL DEFAULT 0,
    completed BIGINT NOT NULL DEFAULT 0
);

INSERT INTO task_counts (owner_id, total, completed)
    SELECT owner_id, count(*), count(*) FILTER (WHERE completed) FROM tasks GROUP BY owner_id;

CREATE FUNCTION task_counts_track() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO task_counts AS c (owner_id, total, completed)
            VALUES (NEW.owner_id, 1, NEW.completed::integer)
            ON CONFLICT (owner_id) DO UPDATE SET total = c.total + 1,
                                                 completed = c.completed + EXCLUDED.completed;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE task_counts SET total = total - 1, completed = completed - OLD.completed::integer
            WHERE owner_id = OLD.owner_id;
    ELSE
        -- A task never changes owner; only `completed` moves it between the two counts.
        UPDATE task_counts
            SET completed = completed + NEW.completed::integer - OLD.completed::integer
            WHERE owner_id = NEW.owner_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER task_counts_insert_delete AFTER INSERT OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION task_counts_track();
CREATE TRIGGER task_counts_update AFTER UPDATE OF completed ON tasks
    FOR EACH ROW WHEN (OLD.completed IS DISTINCT FROM NEW.completed)
    EXECUTE FUNCTION task_counts_track();
