// Package testenv gives tests the real parts they need — a fresh PostgreSQL
// database, external tools such as flite — and says plainly when one is
// missing: the test is skipped with the reason, or fails when
// SCRIBE_REQUIRE_ALL=1 (CI sets it, so nothing is silently skipped there).
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Required reports whether missing parts must fail tests instead of skipping them.
func Required() bool { return os.Getenv("SCRIBE_REQUIRE_ALL") == "1" }

// Missing skips the test with a reason, or fails it under SCRIBE_REQUIRE_ALL=1.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if Required() {
		t.Fatalf("required test part missing: %s", reason)
	}
	t.Skipf("SKIP (missing part): %s", reason)
}

// Tool returns the path of an external program or skips/fails the test.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" is not installed (apt-get install "+name+")")
	}
	return p
}

// PostgresURL creates a fresh, empty database on the server named by
// SCRIBE_TEST_DATABASE_URL and returns its URL; it is dropped after the test.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("SCRIBE_TEST_DATABASE_URL")
	if admin == "" {
		Missing(t, "SCRIBE_TEST_DATABASE_URL is not set (no PostgreSQL server for tests; .ci/run starts one)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to test PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "scribe_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return u.String()
}

// Backend is a named way to open a store for tests.
type Backend struct {
	Name string
	// URL returns the DATABASE_URL for a fresh database ("" for SQLite).
	URL func(t testing.TB) string
}

// Backends lists SQLite and PostgreSQL, for tests that run on both.
var Backends = []Backend{
	{Name: "sqlite", URL: func(testing.TB) string { return "" }},
	{Name: "postgres", URL: PostgresURL},
}

// RandomHex returns n random bytes hex-encoded.
func RandomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
