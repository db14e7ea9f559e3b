-- Incidents: one row per key and generation. Columns the bot queries by are
-- real columns; the rest of the incident (labels, alerts, owner, …) is JSON.
-- Times the bot supplies are Unix nanoseconds (0 = unset), as in the SQLite
-- store, so that they round-trip exactly; only leases use the server clock.
CREATE TABLE incidents (
	key         text   NOT NULL,
	generation  int    NOT NULL,
	source      text   NOT NULL,
	status      text   NOT NULL,
	severity    text   NOT NULL,
	title       text   NOT NULL,
	opened_at   bigint NOT NULL,
	updated_at  bigint NOT NULL,
	resolved_at bigint NOT NULL,
	version     bigint NOT NULL,
	data        jsonb  NOT NULL,
	PRIMARY KEY (key, generation)
);
CREATE INDEX incidents_updated ON incidents (updated_at DESC, key);
CREATE INDEX incidents_open ON incidents (updated_at DESC, key) WHERE status <> 'resolved';

-- Thread mapping: where each incident generation lives in Slack.
CREATE TABLE threads (
	key        text NOT NULL,
	generation int  NOT NULL,
	channel    text NOT NULL,
	ts         text NOT NULL DEFAULT '',
	PRIMARY KEY (key, generation)
);

-- Processed deliveries, for idempotency: by the sender's id and by content.
-- The unique indexes are what make two replicas receiving the same
-- notification record it once.
CREATE TABLE deliveries (
	source      text   NOT NULL,
	id          text   NOT NULL,
	content_key text   NOT NULL,
	received_at bigint NOT NULL
);
CREATE UNIQUE INDEX deliveries_id ON deliveries (source, id) WHERE id <> '';
CREATE UNIQUE INDEX deliveries_content ON deliveries (source, content_key) WHERE content_key <> '';
CREATE INDEX deliveries_received ON deliveries (received_at);

-- The outbox of Slack operations, processed in id order per incident
-- generation. A worker claims an op by setting state 'sending', claimed_by
-- (the claiming Store) and lease_until (server clock); an op whose lease ran
-- out is taken over by any replica, flagged maybe_sent.
CREATE TABLE outbox (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	incident_key    text    NOT NULL,
	generation      int     NOT NULL,
	kind            text    NOT NULL,
	channel         text    NOT NULL,
	payload         bytea,
	state           text    NOT NULL,
	attempts        int     NOT NULL DEFAULT 0,
	next_attempt_at bigint  NOT NULL,
	created_at      bigint  NOT NULL,
	maybe_sent      boolean NOT NULL DEFAULT false,
	last_error      text    NOT NULL DEFAULT '',
	slack_ts        text    NOT NULL DEFAULT '',
	claimed_by      text    NOT NULL DEFAULT '',
	lease_until     timestamptz
);
CREATE INDEX outbox_queue ON outbox (incident_key, generation, id);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX outbox_leases ON outbox (lease_until) WHERE state = 'sending';
CREATE INDEX outbox_finished ON outbox (created_at) WHERE state IN ('done', 'failed');
