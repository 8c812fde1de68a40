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
	banned := map[string]bool{"Getenv": true, "LookupEnv": true, "Setenv": true, "Unsetenv": true, "Environ": true, "Clearenv": true}
	walkSource(t, envReaders, func(rel string, f *ast.File) {
		for _, name := range callsOf(f, "os", banned) {
			t.Errorf("%s: os.%s: read settings through internal/config (a Loader, or config.Secret for a key named at run time)", rel, name)
		}
	})
}

// TestNoDefaultLogger: no product code logs through slog's default logger
// or sets it; every package logs through the *slog.Logger it is given
// (request and session ids attached where there are any). Upstream code
// kept in third_party is not Scribe's to change.
func TestNoDefaultLogger(t *testing.T) {
	banned := map[string]bool{"Default": true, "SetDefault": true, "Debug": true, "Info": true, "Warn": true, "Error": true, "Log": true, "LogAttrs": true,
		"DebugContext": true, "InfoContext": true, "WarnContext": true, "ErrorContext": true}
	walkSource(t, map[string]string{"third_party": "upstream code"}, func(rel string, f *ast.File) {
		for _, name := range callsOf(f, "log/slog", banned) {
			t.Errorf("%s: slog.%s: log through the *slog.Logger passed in (web handlers: Server.logFor), never slog's default", rel, name)
		}
	})
}

// walkSource parses every non-test Go file of the repository outside the
// skipped directories (relative paths) and hands it to visit.
func walkSource(t *testing.T, skip map[string]string, visit func(rel string, f *ast.File)) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if _, ok := skip[rel]; ok || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules" {
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
		visit(rel, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("walked only %d Go files from %s", files, root)
	}
}

// callsOf lists the uses in f of the named functions of an imported package
// (by import path, under whatever name the file gives it).
func callsOf(f *ast.File, importPath string, names map[string]bool) []string {
	local := ""
	for _, im := range f.Imports {
		if p, _ := strconv.Unquote(im.Path.Value); p == importPath {
			local = importPath[strings.LastIndex(importPath, "/")+1:]
			if im.Name != nil {
				local = im.Name.Name
			}
		}
	}
	if local == "" {
		return nil
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == local && names[sel.Sel.Name] {
				out = append(out, sel.Sel.Name)
			}
		}
		return true
	})
	return out
}
