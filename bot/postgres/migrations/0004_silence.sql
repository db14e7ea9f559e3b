-- The Alertmanager silence set from an incident's thread (issue 14): every
-- replica renders the parent's "Silenced by … until …" from these, and the
-- bot's silence watcher finds the incidents carrying one by silence_id.
ALTER TABLE incidents
	ADD COLUMN silence_id             text    NOT NULL DEFAULT '',
	ADD COLUMN silenced_by            text    NOT NULL DEFAULT '',
	ADD COLUMN silenced_until         bigint  NOT NULL DEFAULT 0,
	ADD COLUMN silence_until_resolved boolean NOT NULL DEFAULT false;
CREATE INDEX incidents_silenced ON incidents (updated_at) WHERE silence_id <> '';
