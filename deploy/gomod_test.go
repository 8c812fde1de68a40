package deploy

import (
	"os"
	"testing"

	"golang.org/x/mod/modfile"
)

// TestInstallableByVersion: `go install github.com/scribe-health/scribe/cmd/scribe@latest`
// (README's quick start) works only while go.mod has no replace or exclude
// directive — Go refuses to install such a module by version. The patched
// Opus decoder therefore lives inside the module (third_party/pion-opus).
func TestInstallableByVersion(t *testing.T) {
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse("go.mod", b, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range f.Replace {
		t.Errorf("go.mod replaces %s: `go install …@latest` would refuse the module; keep the code inside the module instead", r.Old.Path)
	}
	for _, x := range f.Exclude {
		t.Errorf("go.mod excludes %s@%s: `go install …@latest` would refuse the module", x.Mod.Path, x.Mod.Version)
	}
	if f.Module == nil || f.Module.Mod.Path != "github.com/scribe-health/scribe" {
		t.Fatalf("go.mod's module is not the path README's install line names")
	}
}
