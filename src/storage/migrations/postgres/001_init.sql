-- Users and their tasks. Times are timestamptz (microseconds, UTC); ids come from identity
-- columns, never reused. Text comparisons are byte-exact (deterministic collation), so
-- usernames are case-sensitive as on SQLite.
CREATE TABLE users (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username            TEXT        NOT NULL UNIQUE,
    password_hash       TEXT        NOT NULL,
    is_active           BOOLEAN     NOT NULL DEFAULT TRUE,
    is_superuser        BOOLEAN     NOT NULL DEFAULT FALSE,
    date_joined         TIMESTAMPTZ NOT NULL,
    -- When the password was last changed (taskapi changepassword); NULL: never. Tokens issued
    -- before the second in which it changed are refused.
    password_changed_at TIMESTAMPTZ
);

CREATE TABLE tasks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       TEXT        NOT NULL,
    description TEXT        NOT NULL DEFAULT '',
    completed   BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX tasks_owner_id_id ON tasks (owner_id, id);
