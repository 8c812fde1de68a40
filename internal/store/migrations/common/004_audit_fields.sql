-- 004: FHIR AuditEvent / IHE BALP fields on audit entries (issue 7).
-- Entries written before this migration keep '' in every new column, and
-- their hashes (which cover these fields only when any is set) still hold.
ALTER TABLE audit ADD COLUMN agent_role TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN purpose_of_use TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN consent_ref TEXT NOT NULL DEFAULT '';
