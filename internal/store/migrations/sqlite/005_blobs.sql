-- 005: encrypted objects in the database (SCRIBE_BLOB_STORE=database), for
-- several scribe processes sharing one database. Only ciphertext is stored
-- (sealed by internal/blob under the key-encryption key).
CREATE TABLE blobs (
    id         TEXT PRIMARY KEY,
    sealed     BLOB NOT NULL,
    updated_at INTEGER NOT NULL
);
