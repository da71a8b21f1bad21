-- When the password was last changed (taskapi changepassword), in microseconds since the Unix
-- epoch, UTC; 0: never. Tokens issued before the second in which it changed are refused.
ALTER TABLE users ADD COLUMN password_changed_at INTEGER NOT NULL DEFAULT 0;
