package config

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// envReaders may read the environment outside this package: test
// harnesses, never the product.
var envReaders = map[string]string{
	"internal/config":  "this package: the one place settings are read",
	"internal/testenv": "test-only helpers: SCRIBE_TEST_DATABASE_URL, SCRIBE_REQUIRE_ALL and the re-exec of a test in a child process",
	"internal/soak":    "the soak test harness: its test database URL, and the environment it hands the scribe processes it starts",
}

// TestNothingElseReadsTheEnvironment walks the source tree: no non-test
// file outside envReaders calls os.Getenv, os.LookupEnv, os.Setenv,
// os.Unsetenv or os.Environ. Settings come from a Loader; a provider's
// API key from Secret.
func TestNothingElseReadsTheEnvironment(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	banned := map[string]bool{"Getenv": true, "LookupEnv": true, "Setenv": true, "Unsetenv": true, "Environ": true, "Clearenv": true}
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if _, ok := envReaders[rel]; ok || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		files++
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		osName := ""
		for _, im := range f.Imports {
			if p, _ := strconv.Unquote(im.Path.Value); p == "os" {
				osName = "os"
				if im.Name != nil {
					osName = im.Name.Name
				}
			}
		}
		if osName == "" {
			return nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == osName && banned[sel.Sel.Name] {
				t.Errorf("%s: os.%s: read settings through internal/config (a Loader, or config.Secret for a key named at run time)", rel, sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("walked only %d Go files from %s", files, root)
	}
}
