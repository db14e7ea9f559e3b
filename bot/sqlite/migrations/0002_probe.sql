-- The readiness probe's row: Ping commits a write here, so /readyz fails
-- when the database cannot take writes (read-only, disk full, locked).
CREATE TABLE probe (
	replica TEXT    NOT NULL PRIMARY KEY,
	at      INTEGER NOT NULL
);
