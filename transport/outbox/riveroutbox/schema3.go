package riveroutbox

// Version 3 of the outbox tables: on PostgreSQL, the function committing
// an outcome (see outcomePG). SQLite has nothing new.

func init() {
	sqliteDialect.migrations = append(sqliteDialect.migrations, nil)
	postgresDialect.migrations = append(postgresDialect.migrations, []string{outcomeFunction})
}

// outcomeFunction stores an outcome in one call, in the caller's
// (implicit) transaction: it lets the commit return before it reached the
// disk (see outcome), locks the message (the first step of every change
// to a message), changes recipient p_idx if it is still the one leased as
// p_lease, and then stores the message's combined state. Each statement
// of a PL/pgSQL function takes a snapshot of its own, so the last one,
// run with the lock held, sees every committed change to the other
// recipients. It returns the number of recipients changed (0 or 1), or
// -1 when there is no such message.
var outcomeFunction = `CREATE FUNCTION jakelu_outbox_outcome(p_msg BIGINT, p_idx INTEGER, p_lease BIGINT, p_state TEXT,
	p_attempts INTEGER, p_amb INTEGER, p_code INTEGER, p_enhanced TEXT, p_reply TEXT, p_next BIGINT, p_now BIGINT)
RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
	n INTEGER;
BEGIN
	PERFORM set_config('synchronous_commit', 'off', true);
	PERFORM 1 FROM jakelu_outbox_message WHERE id = p_msg FOR UPDATE;
	IF NOT FOUND THEN
		RETURN -1;
	END IF;
	UPDATE jakelu_outbox_rcpt SET state = p_state, attempts = p_attempts, ambiguities = ambiguities + p_amb,
		code = p_code, enhanced = p_enhanced, reply = p_reply, next_at = p_next, lease_until = 0, updated_at = p_now
	WHERE msg = p_msg AND idx = p_idx AND lease = p_lease AND state IN ('sending', 'ambiguous');
	GET DIAGNOSTICS n = ROW_COUNT;
	IF n = 1 THEN
		UPDATE jakelu_outbox_message SET updated_at = p_now, state = ` + combinedStateOf("p_msg") + ` WHERE id = p_msg;
	END IF;
	RETURN n;
END
$$`
