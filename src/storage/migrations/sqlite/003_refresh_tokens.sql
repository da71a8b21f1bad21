-- The refresh-token lifecycle (auth::RefreshTokenRepository; SECURITY.md, "Logout, rotation and
-- reuse detection"): token ids, never tokens. A login's refresh token has no row until it is
-- rotated or blacklisted. No foreign key on user_id: a deleted user's rows stay, revoked, until
-- their tokens expire.
CREATE TABLE refresh_tokens (
    jti        TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    family     TEXT    NOT NULL,  -- the jti of the refresh token the login issued
    expires_at INTEGER NOT NULL,  -- the token's exp, seconds since the Unix epoch
    state      INTEGER NOT NULL   -- 0 issued by a rotation, 1 rotated, 2 blacklisted, 3 revoked
) WITHOUT ROWID;

CREATE INDEX refresh_tokens_user_family ON refresh_tokens (user_id, family);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
