-- 0015_login_devices: login throttling by (account, client) instead of by account alone.
-- A browser that has logged in as an account carries a device cookie ("a known workstation");
-- only the token's SHA-256 is kept. Failed attempts name the client they came from, so
-- guessing from one workstation cannot lock the account out of the ones it is used from.
BEGIN;
CREATE TABLE IF NOT EXISTS core_logindevice (
    token_hash   bytea NOT NULL,
    -- CASCADE: pure child of its user.
    user_id      integer NOT NULL REFERENCES auth_user (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (token_hash, user_id)
);
CREATE INDEX IF NOT EXISTS idx_logindevice_user ON core_logindevice (user_id);

-- client: 'device:<sha-256 hex>' for a known workstation of the account, 'ip:<address>' otherwise.
ALTER TABLE core_loginattempt ADD COLUMN IF NOT EXISTS client varchar(80);
ALTER TABLE core_loginattempt ADD COLUMN IF NOT EXISTS known_device boolean NOT NULL DEFAULT false;
-- kind: 'login', or a re-authentication ('password', '2fa-disable'): they share the counters.
ALTER TABLE core_loginattempt ADD COLUMN IF NOT EXISTS kind varchar(20) NOT NULL DEFAULT 'login';
CREATE INDEX IF NOT EXISTS idx_loginattempt_client ON core_loginattempt (username, client, attempted_at);
COMMIT;
