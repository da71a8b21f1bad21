-- Login throttle history shared by every taskapi process on this database (auth::ThrottleStore,
-- SECURITY.md "Login throttling"). One row per key; the key is bytes (it holds a username and an
-- address as the client sent them).
CREATE TABLE login_throttle (
    key     BYTEA         PRIMARY KEY,
    hits    TIMESTAMPTZ[] NOT NULL DEFAULT '{}',  -- ascending: exactly the hits still counted
    expires TIMESTAMPTZ   NOT NULL                -- from then on the row holds nothing that matters
);

CREATE INDEX login_throttle_expires ON login_throttle (expires);

-- DRF's SimpleRateThrottle on one key, atomically (the row is locked until the caller's
-- statement ends): records a hit at p_now and returns NULL when fewer than p_requests hits lie
-- within the last p_period_seconds; otherwise records nothing and returns the seconds to wait.
CREATE FUNCTION login_throttle_hit(p_key BYTEA, p_requests INTEGER, p_period_seconds BIGINT,
                                   p_now TIMESTAMPTZ)
RETURNS DOUBLE PRECISION
LANGUAGE plpgsql AS $$
DECLARE
    period CONSTANT INTERVAL := p_period_seconds * INTERVAL '1 second';
    live TIMESTAMPTZ[];
BEGIN
    -- Creates the row or locks the existing one, in one step: a sweep that deletes the row
    -- meanwhile cannot make the hit go uncounted.
    INSERT INTO login_throttle AS t (key, expires) VALUES (p_key, p_now)
        ON CONFLICT (key) DO UPDATE SET expires = t.expires
        RETURNING ARRAY(SELECT h FROM unnest(t.hits) AS h WHERE h > p_now - period ORDER BY h)
        INTO live;
    IF cardinality(live) >= p_requests THEN
        UPDATE login_throttle SET hits = live WHERE key = p_key;
        -- The remaining time of the oldest hit in the window, spread over the free slots.
        RETURN extract(epoch FROM period - (p_now - live[1]))::DOUBLE PRECISION
               / greatest(p_requests - cardinality(live) + 1, 1);
    END IF;
    -- Sorted even if the system clock steps back.
    UPDATE login_throttle
       SET hits = ARRAY(SELECT h FROM unnest(live || p_now) AS h ORDER BY h),
           expires = greatest(expires, p_now + period)
     WHERE key = p_key;
    RETURN NULL;
END
$$;
