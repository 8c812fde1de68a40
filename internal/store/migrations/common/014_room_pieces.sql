-- 014: the numbered pieces of a room recording (the browser's MediaRecorder
-- output, uploaded as the session goes). A take is one MediaRecorder run (a
-- reload or a closed lid starts another); seq numbers its pieces from 0. The
-- audio itself is an encrypted blob; a piece uploaded twice is kept once.
CREATE TABLE room_pieces (
    session_id  TEXT NOT NULL,
    take        INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    blob_id     TEXT NOT NULL,
    size        BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, take, seq)
);
