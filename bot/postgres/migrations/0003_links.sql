-- Correlation links (bot/correlate.go): which incident each source's own
-- key and each correlation key (dedup key, compass_incident name, label
-- values) belongs to. The primary key is what keeps two writers that
-- correlate the same page at once from opening two incidents: the later
-- insert fails and its transaction is rerun, and then joins.
CREATE TABLE links (
	key      text    NOT NULL PRIMARY KEY,
	incident text    NOT NULL,
	via      text    NOT NULL DEFAULT '',
	at       bigint  NOT NULL
);
CREATE INDEX links_at ON links (at);

-- The split message action finds an incident by its parent message.
CREATE INDEX threads_ts ON threads (ts, channel);
