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

-- How many tasks each user has, and how many of them are completed: a page's "count" for a
-- list without search terms, which COUNT(*) over the owner's index would take ~70 ms to find
-- for a user with a million tasks (decision 009). Triggers keep it exact in the writing
-- statement's transaction; no row means no task.
CREATE TABLE task_counts (
    owner_id  INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    total     INTEGER NOT NULL DEFAULT 0,
    completed INTEGER NOT NULL DEFAULT 0
);

INSERT INTO task_counts (owner_id, total, completed)
    SELECT owner_id, count(*), sum(completed != 0) FROM tasks GROUP BY owner_id;

CREATE TRIGGER task_counts_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO task_counts (owner_id, total, completed)
        VALUES (NEW.owner_id, 1, NEW.completed != 0)
        ON CONFLICT (owner_id) DO UPDATE SET total = total + 1,
                                             completed = completed + excluded.completed;
END;

CREATE TRIGGER task_counts_delete AFTER DELETE ON tasks BEGIN
    UPDATE task_counts SET total = total - 1, completed = completed - (OLD.completed != 0)
        WHERE owner_id = OLD.owner_id;
END;

-- A task never changes owner; only `completed` moves it between the two counts.
CREATE TRIGGER task_counts_update AFTER UPDATE OF completed ON tasks
    WHEN (OLD.completed != 0) != (NEW.completed != 0) BEGIN
    UPDATE task_counts SET completed = completed + (NEW.completed != 0) - (OLD.completed != 0)
        WHERE owner_id = NEW.owner_id;
END;
