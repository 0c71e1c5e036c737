-- A session as a user would pipe it into sqlite3: schema, data, queries in three output modes, and a dot command.
CREATE TABLE program (name TEXT PRIMARY KEY, language TEXT NOT NULL, lines INTEGER);
INSERT INTO program VALUES ('sqlite3', 'C', 263000), ('yosys', 'C++', 210000), ('timewalk', 'Go', 90),
    ('sleepy', 'Rust', 25), ('flite', 'C', 220000);
SELECT name, lines FROM program WHERE language = 'C' ORDER BY lines DESC;
.headers on
.mode column
SELECT language, count(*) AS programs, sum(lines) AS total FROM program GROUP BY language ORDER BY language;
.mode box
SELECT name, upper(language) AS lang FROM program ORDER BY name LIMIT 3;
.mode json
SELECT name, lines FROM program WHERE lines < 100 ORDER BY name;
.tables
SELECT printf('%.3f', avg(lines)) AS average, total_changes() AS changes FROM program;
