// Package audio owns audio ingest and chunking: it tells a recording's
// format from its content (Open) and decodes it forward only, in constant
// memory — WAV in every common encoding (8–32-bit integer PCM, 32/64-bit
// float, G.711 mu-law and A-law, plain or WAVE_FORMAT_EXTENSIBLE, and
// RF64/BW64 over 4 GB), FLAC,
// MP3, Ogg Opus and WebM/Matroska Opus in Go, and M4A/AAC, MP4 and MOV
// through ffmpeg when it is installed. It resamples any rate to the
// pipeline's 16 kHz with an anti-aliased polyphase filter, cuts long audio
// into chunks at the quietest moment near each size limit so no word is
// split, and encodes chunks as 16-bit mono WAV for transcription.
//
// It does not own storage, encryption, the call recorder's Opus packet
// handling (loss, FEC, clocks) or transcription; those belong to capture,
// blob storage and transcribe. Nothing here logs, and no error carries
// audio content or file names.
package audio
