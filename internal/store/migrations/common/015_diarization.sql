-- 015: a transcription provider's diarization capability: '' (none), or the
-- response format that carries each segment's speaker: 'diarized_json'
-- (OpenAI's diarizing models) or 'verbose_json' (servers that add a speaker
-- field to verbose_json segments). Single-channel recordings use it to tell
-- voices apart; without it the drafting model infers roles, marked so.
ALTER TABLE providers ADD COLUMN diarization TEXT NOT NULL DEFAULT '';
