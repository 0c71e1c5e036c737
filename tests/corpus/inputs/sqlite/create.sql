-- Builds a database file; sqlite3 is given the file's name and reads this on stdin.
PRAGMA journal_mode = DELETE;
CREATE TABLE reading (id INTEGER PRIMARY KEY, sensor TEXT NOT NULL, value REAL NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO reading (sensor, value) SELECT 'sensor-' || (i % 7), (i * 37 % 101) / 4.0 FROM n;
CREATE INDEX reading_sensor ON reading (sensor);
DELETE FROM reading WHERE value > 24;
SELECT count(*) FROM reading;
