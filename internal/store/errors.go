package store

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// IsStorageFull reports whether the database refused a write because its
// disk is full (PostgreSQL disk_full, SQLite SQLITE_FULL).
func IsStorageFull(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "53100"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()&0xff == 13 // SQLITE_FULL
	}
	return false
}

// IsUnavailable reports whether an error means the database could not be
// reached or went away mid-statement (a restart, a dropped connection):
// the same statement may well succeed a moment later.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 57P01–57P03: the server is
		// shutting down, crashed, or is starting.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ce *pgconn.ConnectError
	return errors.As(err, &ce)
}
