-- The second factor's secret is kept encrypted like ID numbers (the plain-text column of older
-- versions is emptied at start-up, once the key has been checked), and the last time step
-- accepted is remembered so that a code is never accepted twice.
ALTER TABLE accounts ADD COLUMN totp_cipher BYTEA;
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT;
