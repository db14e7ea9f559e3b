-- Incidents: one row per key and generation. Columns the bot queries by are
-- real columns; the rest of the incident (labels, alerts, owner, …) is JSON.
CREATE TABLE incidents (
	key         TEXT    NOT NULL,
	generation  INTEGER NOT NULL,
	source      TEXT    NOT NULL,
	status      TEXT    NOT NULL,
	severity    TEXT    NOT NULL,
	title       TEXT    NOT NULL,
	opened_at   INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	resolved_at INTEGER NOT NULL,
	version     INTEGER NOT NULL,
	data        TEXT    NOT NULL,
	PRIMARY KEY (key, generation)
);
CREATE INDEX incidents_status ON incidents (status, updated_at);

-- Thread mapping: where each incident generation lives in Slack.
CREATE TABLE threads (
	key        TEXT    NOT NULL,
	generation INTEGER NOT NULL,
	channel    TEXT    NOT NULL,
	ts         TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (key, generation)
);

-- Processed deliveries, for idempotency: by the sender's id and by content.
CREATE TABLE deliveries (
	source      TEXT    NOT NULL,
	id          TEXT    NOT NULL,
	content_key TEXT    NOT NULL,
	received_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX deliveries_id ON deliveries (source, id) WHERE id <> '';
CREATE UNIQUE INDEX deliveries_content ON deliveries (source, content_key) WHERE content_key <> '';
CREATE INDEX deliveries_received ON deliveries (received_at);

-- The outbox of Slack operations, processed in id order per incident.
CREATE TABLE outbox (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_key    TEXT    NOT NULL,
	generation      INTEGER NOT NULL,
	kind            TEXT    NOT NULL,
	channel         TEXT    NOT NULL,
	payload         BLOB,
	state           TEXT    NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	created_at      INTEGER NOT NULL,
	maybe_sent      INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT    NOT NULL DEFAULT '',
	slack_ts        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX outbox_queue ON outbox (incident_key, generation, state, id);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
