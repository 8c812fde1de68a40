package clients_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/clients"
	"github.com/scribe-health/scribe/internal/store"
)

// BenchmarkSessionsList measures the session list the web app's Sessions
// page shows (200 rows), decided row by row by the visibility rule, over
// 5,000 sessions of 500 clients (a fifth of them Part 2 clients): for a
// clinician on 25 care teams, a supervisor and an admin.
func BenchmarkSessionsList(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	err = st.InTx(ctx, func(tx *store.Tx) error {
		for i := 0; i < 500; i++ {
			program := store.ProgramMH
			if i%5 == 0 {
				program = store.ProgramSUD
			}
			team := fmt.Sprintf("clinician-%d@example.org", i%20)
			if i < 25 {
				team = "me@example.org"
			}
			c := store.Client{Alias: fmt.Sprintf("client-%04d", i), Programs: []string{program}, CareTeam: []string{team}}
			if err := tx.CreateClient(ctx, &c, "bench"); err != nil {
				return err
			}
			for j := 0; j < 10; j++ {
				s := store.Session{ID: fmt.Sprintf("s-%04d-%02d", i, j), Source: "call", Status: store.StatusReady, Program: program, ClientID: c.ID,
					Clinician: team, CreatedAt: time.Now().Add(-time.Duration(i*10+j) * time.Minute).UnixMilli()}
				if err := tx.CreateSession(ctx, &s); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, u := range []store.User{
		{Email: "me@example.org", Role: store.RoleClinician, Part2Access: true},
		{Email: "sup@example.org", Role: store.RoleSupervisor},
		{Email: "admin@example.org", Role: store.RoleAdmin, Part2Access: true},
	} {
		b.Run(u.Role, func(b *testing.B) {
			n := 0
			for i := 0; i < b.N; i++ {
				list, err := clients.Sessions(ctx, st, u, "", 200)
				if err != nil {
					b.Fatal(err)
				}
				n = len(list)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/list")
			b.ReportMetric(float64(n), "rows")
		})
	}
}
