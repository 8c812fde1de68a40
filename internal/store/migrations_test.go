package store

import (
	"strings"
	"testing"
)

// TestMigrationsKeptOnce: a migration whose SQL is the same on both
// databases is in migrations/common, once; the per-dialect directories hold
// only versions whose SQL differs, and both of them have each such version.
// Every dialect's list runs 1, 2, 3 … with no gap.
func TestMigrationsKeptOnce(t *testing.T) {
	lists := map[Dialect][]migration{}
	for _, d := range []Dialect{SQLite, Postgres} {
		list, err := migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range list {
			if m.version != i+1 {
				t.Fatalf("%s: migration %d is %s: the versions have a gap", d, i+1, m.name)
			}
		}
		lists[d] = list
	}
	if len(lists[SQLite]) != len(lists[Postgres]) {
		t.Fatalf("SQLite has %d migrations, PostgreSQL %d", len(lists[SQLite]), len(lists[Postgres]))
	}
	common := 0
	for i, a := range lists[SQLite] {
		b := lists[Postgres][i]
		if a.name != b.name {
			t.Errorf("migration %d is %s on SQLite and %s on PostgreSQL", a.version, a.name, b.name)
		}
		if a.body == b.body {
			common++
		}
	}
	entries, _ := migrationsFS.ReadDir("migrations/common")
	if common != len(entries) {
		t.Errorf("%d migrations are the same on both databases but only %d are in migrations/common: move the identical ones there", common, len(entries))
	}
	if common == 0 || !strings.Contains(lists[SQLite][0].body, "AUTOINCREMENT") {
		t.Errorf("the lists are not what the files hold")
	}
}
