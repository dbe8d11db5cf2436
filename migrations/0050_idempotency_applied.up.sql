-- 0050_idempotency_applied: a retry never runs again a request whose work was committed.
--
-- A claimed Idempotency-Key (core_idempotency_key, 0016) was let go whenever its request
-- answered an error, so that the retry runs again. But a request can commit its work and still
-- answer an error: the database stops between the commit and the answer (its connection lost
-- as the COMMIT's reply was on its way). Its retry then did the work a second time (a second
-- bill, a second registration).
--
-- applied_at is set inside the work's own transaction (db.InTx, when the request's context
-- carries its claim), so it is there exactly when the work committed. A failed request lets go
-- of its key only when nothing was applied; otherwise it marks ended_at, and a retry is told
-- that the request was carried out and its answer lost (409 idempotency-answer-lost), instead
-- of running it again. A claim applied but never ended (the server stopped mid-request) is not
-- taken over as abandoned either.
BEGIN;
ALTER TABLE core_idempotency_key
    ADD COLUMN IF NOT EXISTS applied_at timestamptz,
    ADD COLUMN IF NOT EXISTS ended_at   timestamptz;
COMMIT;
