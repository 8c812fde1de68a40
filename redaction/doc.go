// Package redaction owns identifier detection in transcribed therapy speech and
// surrogate replacement: each HIPAA Safe Harbor identifier (names, places
// smaller than a state, date elements, ages over 89, phone/fax, e-mail, SSN,
// record/account/licence numbers, URLs, IPs, employers and schools) is replaced
// by a typed placeholder such as [NAME_1] that stays the same for the same
// identifier within one clinical session. The placeholder→original map
// (TokenMap) is random, serialisable, and used by Reidentify to put originals
// back for an authorised viewer.
//
// It does not store or encrypt the map (the pipeline does), import any stage,
// store or network package, or fetch anything at run time: its gazetteers are
// embedded (see data/LICENSES.md) and loaded once per process.
package redaction
