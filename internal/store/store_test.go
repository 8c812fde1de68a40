package store_test

import (
	"context"
	"testing"

	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/store/storetest"
	"github.com/scribe-health/scribe/internal/testenv"
)

func TestContract(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			storetest.Exercise(t, func(t *testing.T) *store.Store {
				s, err := store.Open(context.Background(), store.Options{DatabaseURL: b.URL(t), DataDir: t.TempDir()})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			})
		})
	}
}
