-- 009: the client is an entity (issue 12). Consents, Part 2 status,
-- disclosures and sessions point at the client's id; the alias stays as the
-- text people see. A client is in one or more programs ("sud" makes it a
-- 42 CFR Part 2 client) and has a care team (e-mails of the people who work
-- with it). Times are unix milliseconds, as in 001.
CREATE TABLE clients (
  id TEXT PRIMARY KEY,
  alias TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX clients_alias ON clients(alias);
CREATE TABLE client_programs (
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  program TEXT NOT NULL,
  PRIMARY KEY (client_id, program)
);
CREATE TABLE client_members (
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  added_by TEXT NOT NULL,
  added_at BIGINT NOT NULL,
  PRIMARY KEY (client_id, email)
);
CREATE INDEX client_members_email ON client_members(email);
ALTER TABLE sessions ADD COLUMN client_id TEXT NOT NULL DEFAULT '';
ALTER TABLE consents ADD COLUMN client_id TEXT NOT NULL DEFAULT '';
ALTER TABLE disclosures ADD COLUMN client_id TEXT NOT NULL DEFAULT '';

-- Existing rows. One client per distinct (alias, Part 2 or not): the same
-- alias used in a Part 2 (sud) session and in a non-Part 2 session names two
-- clients, unless that is clearly one person in both programs: every
-- non-Part 2 session of the alias was run by a clinician who also ran its
-- Part 2 sessions (so the merged care team holds nobody who did not already
-- work with the Part 2 record). A session without an alias is a client of
-- its own. The group key is kept in client_id until the clients exist.
CREATE TABLE migrate_009_merged AS SELECT DISTINCT s.client_alias AS alias FROM sessions s
  WHERE s.client_alias <> '' AND s.program = 'sud'
    AND EXISTS (SELECT 1 FROM sessions m WHERE m.client_alias = s.client_alias AND m.program <> 'sud')
    AND NOT EXISTS (SELECT 1 FROM sessions m WHERE m.client_alias = s.client_alias AND m.program <> 'sud'
      AND (TRIM(m.clinician) = '' OR NOT EXISTS (SELECT 1 FROM sessions p WHERE p.client_alias = s.client_alias AND p.program = 'sud'
        AND LOWER(TRIM(p.clinician)) = LOWER(TRIM(m.clinician)))));
UPDATE sessions SET client_id = CASE
  WHEN client_alias = '' THEN 'session:' || id
  WHEN program = 'sud' OR client_alias IN (SELECT alias FROM migrate_009_merged) THEN 'sud:' || client_alias
  ELSE 'mh:' || client_alias END;

-- A consent of a session belongs to the session's client.
UPDATE consents SET client_id = (SELECT s.client_id FROM sessions s WHERE s.id = consents.session_id)
  WHERE session_id <> '' AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = consents.session_id);
-- A client-wide consent (no session) goes to the alias's client. Where the
-- alias split in two: a part2_tpo consent to the Part 2 client; another
-- scope to the non-Part 2 client only when the person who captured it ran
-- sessions of that client and none of the Part 2 one; otherwise to the Part
-- 2 client (the other then needs a consent of its own: it fails closed).
-- An alias with no session at all becomes a Part 2 client when any of its
-- consents is a part2_tpo consent.
UPDATE consents SET client_id = CASE
  WHEN client_alias = '' THEN ''
  WHEN scope = 'part2_tpo' THEN 'sud:' || client_alias
  WHEN EXISTS (SELECT 1 FROM sessions s WHERE s.client_id = 'sud:' || consents.client_alias)
   AND EXISTS (SELECT 1 FROM sessions s WHERE s.client_id = 'mh:' || consents.client_alias) THEN
    CASE WHEN EXISTS (SELECT 1 FROM sessions s WHERE s.client_id = 'mh:' || consents.client_alias AND LOWER(TRIM(s.clinician)) = LOWER(TRIM(consents.captured_by)))
          AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.client_id = 'sud:' || consents.client_alias AND LOWER(TRIM(s.clinician)) = LOWER(TRIM(consents.captured_by)))
         THEN 'mh:' || client_alias ELSE 'sud:' || client_alias END
  WHEN EXISTS (SELECT 1 FROM sessions s WHERE s.client_id = 'mh:' || consents.client_alias) THEN 'mh:' || client_alias
  WHEN EXISTS (SELECT 1 FROM sessions s WHERE s.client_id = 'sud:' || consents.client_alias) THEN 'sud:' || client_alias
  WHEN EXISTS (SELECT 1 FROM consents o WHERE o.client_alias = consents.client_alias AND o.scope = 'part2_tpo') THEN 'sud:' || client_alias
  ELSE 'mh:' || client_alias END
  WHERE client_id = '';
-- A disclosure belongs to its session's client; disclosures are of Part 2 records.
UPDATE disclosures SET client_id = COALESCE((SELECT s.client_id FROM sessions s WHERE s.id = disclosures.session_id),
  CASE WHEN client_alias = '' THEN '' ELSE 'sud:' || client_alias END);

-- One client per group key, with a random UUID (two steps: SQLite may
-- evaluate randomblob() again where a subquery's column is used twice).
CREATE TABLE migrate_009_keys (gkey TEXT PRIMARY KEY, id TEXT NOT NULL, alias TEXT NOT NULL, part2 INTEGER NOT NULL);
INSERT INTO migrate_009_keys (gkey, id, alias, part2)
  SELECT gkey, lower(hex(randomblob(16))), MAX(alias), MAX(part2) FROM (
    SELECT client_id AS gkey, client_alias AS alias, CASE WHEN client_id LIKE 'sud:%' OR program = 'sud' THEN 1 ELSE 0 END AS part2 FROM sessions
    UNION SELECT client_id, client_alias, CASE WHEN client_id LIKE 'sud:%' THEN 1 ELSE 0 END FROM consents WHERE client_id <> ''
    UNION SELECT client_id, client_alias, CASE WHEN client_id LIKE 'sud:%' THEN 1 ELSE 0 END FROM disclosures WHERE client_id <> ''
  ) k GROUP BY gkey;
UPDATE migrate_009_keys SET id = substr(id, 1, 8) || '-' || substr(id, 9, 4) || '-4' || substr(id, 14, 3) || '-' ||
  substr('89ab', 1 + (instr('0123456789abcdef', substr(id, 17, 1)) - 1) % 4, 1) || substr(id, 18, 3) || '-' || substr(id, 21, 12);
INSERT INTO clients (id, alias, created_at, updated_at)
  SELECT k.id, k.alias,
    COALESCE((SELECT MIN(s.created_at) FROM sessions s WHERE s.client_id = k.gkey), (SELECT MIN(c.created_at) FROM consents c WHERE c.client_id = k.gkey),
      (SELECT MIN(d.at) FROM disclosures d WHERE d.client_id = k.gkey), 0),
    CAST(strftime('%s', 'now') AS INTEGER) * 1000
  FROM migrate_009_keys k;
INSERT INTO client_programs (client_id, program)
  SELECT id, CASE WHEN part2 = 1 THEN 'sud' ELSE 'mh' END FROM migrate_009_keys;
INSERT INTO client_programs (client_id, program)
  SELECT DISTINCT k.id, s.program FROM sessions s JOIN migrate_009_keys k ON k.gkey = s.client_id
  WHERE s.program <> '' AND NOT EXISTS (SELECT 1 FROM client_programs p WHERE p.client_id = k.id AND p.program = s.program);
-- The care team: the clinicians of the client's sessions; for a client
-- known only from consents, the users who captured them.
INSERT INTO client_members (client_id, email, added_by, added_at)
  SELECT DISTINCT k.id, LOWER(TRIM(s.clinician)), 'migration 009', CAST(strftime('%s', 'now') AS INTEGER) * 1000
  FROM sessions s JOIN migrate_009_keys k ON k.gkey = s.client_id WHERE TRIM(s.clinician) <> '';
INSERT INTO client_members (client_id, email, added_by, added_at)
  SELECT DISTINCT k.id, u.email, 'migration 009', CAST(strftime('%s', 'now') AS INTEGER) * 1000
  FROM consents c JOIN migrate_009_keys k ON k.gkey = c.client_id JOIN users u ON u.email = LOWER(TRIM(c.captured_by))
  WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.client_id = k.gkey);

UPDATE sessions SET client_id = (SELECT k.id FROM migrate_009_keys k WHERE k.gkey = sessions.client_id);
UPDATE consents SET client_id = (SELECT k.id FROM migrate_009_keys k WHERE k.gkey = consents.client_id) WHERE client_id <> '';
UPDATE disclosures SET client_id = (SELECT k.id FROM migrate_009_keys k WHERE k.gkey = disclosures.client_id) WHERE client_id <> '';
DROP TABLE migrate_009_keys;
DROP TABLE migrate_009_merged;
CREATE INDEX sessions_client ON sessions(client_id);
CREATE INDEX consents_client_id ON consents(client_id);
CREATE INDEX disclosures_client_id_at ON disclosures(client_id, at)
