// Package audio owns audio ingest and chunking: it validates and decodes
// integer-PCM WAV input in constant memory, resamples any rate to the
// pipeline's 16 kHz with an anti-aliased polyphase filter, cuts long audio
// into chunks at the quietest moment near each size limit so no word is
// split, and encodes chunks as 16-bit mono WAV for transcription.
//
// It does not own storage, encryption, Opus decoding or transcription; those
// belong to capture, blob storage and transcribe. Nothing here logs, and no
// error carries audio content or file names.
package audio
