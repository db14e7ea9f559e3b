-- The Alertmanager silence set from an incident's thread (issue 14): every
-- replica renders the parent's "Silenced by … until …" from these, and the
-- bot's silence watcher finds the incidents carrying one by silence_id.
ALTER TABLE incidents ADD COLUMN silence_id             TEXT    NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN silenced_by            TEXT    NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN silenced_until         INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN silence_until_resolved INTEGER NOT NULL DEFAULT 0;
CREATE INDEX incidents_silenced ON incidents (updated_at) WHERE silence_id <> '';
