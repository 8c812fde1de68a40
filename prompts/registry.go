package prompts

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed system.md formats/*.md modalities/*.md passes/*.md
var files embed.FS

// DefaultModality is used when a session names no modality.
const DefaultModality = "general"

// registry holds the parsed embedded files. They are parsed once at start-up;
// a broken embedded file is a build defect, so it panics with the reason.
var registry = mustLoad()

type loaded struct {
	system     Modality
	extract    Modality
	compose    Modality
	dictation  Modality
	roles      Modality
	formats    map[string]Format
	modalities map[string]Modality
}

func mustLoad() loaded {
	l, err := load(files)
	if err != nil {
		panic(fmt.Sprintf("prompts: embedded templates are broken: %v", err))
	}
	return l
}

func load(fsys fs.FS) (loaded, error) {
	l := loaded{formats: map[string]Format{}, modalities: map[string]Modality{}}
	guidance := func(name string) (Modality, error) {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return Modality{}, err
		}
		m, err := parseModality(b)
		if err != nil {
			return Modality{}, fmt.Errorf("%s: %w", name, err)
		}
		if want := strings.TrimSuffix(path.Base(name), ".md"); m.ID != want {
			return Modality{}, fmt.Errorf("%s: id %q does not match file name", name, m.ID)
		}
		return m, nil
	}
	var err error
	if l.system, err = guidance("system.md"); err != nil {
		return l, err
	}
	if l.extract, err = guidance("passes/extract.md"); err != nil {
		return l, err
	}
	if l.compose, err = guidance("passes/compose.md"); err != nil {
		return l, err
	}
	if l.dictation, err = guidance("passes/dictation.md"); err != nil {
		return l, err
	}
	if l.roles, err = guidance("passes/roles.md"); err != nil {
		return l, err
	}
	names, _ := fs.Glob(fsys, "formats/*.md")
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return l, err
		}
		f, err := ParseTemplate(b)
		if err != nil {
			return l, fmt.Errorf("%s: %w", name, err)
		}
		if want := strings.TrimSuffix(path.Base(name), ".md"); f.ID != want {
			return l, fmt.Errorf("%s: id %q does not match file name", name, f.ID)
		}
		l.formats[f.ID] = f
	}
	names, _ = fs.Glob(fsys, "modalities/*.md")
	for _, name := range names {
		m, err := guidance(name)
		if err != nil {
			return l, err
		}
		l.modalities[m.ID] = m
	}
	if _, ok := l.modalities[DefaultModality]; !ok {
		return l, fmt.Errorf("default modality %q is missing", DefaultModality)
	}
	return l, nil
}

// Formats lists the built-in note formats, ordered by ID.
func Formats() []Format {
	out := make([]Format, 0, len(registry.formats))
	for _, f := range registry.formats {
		out = append(out, cloneFormat(f))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// FormatByID returns the built-in note format with this id ("soap", "dap",
// "birp", "girp", "group"). (The brief's name `Format(id)` cannot coexist
// with the Format type in one Go package.)
func FormatByID(id string) (Format, error) {
	f, ok := registry.formats[strings.ToLower(strings.TrimSpace(id))]
	if !ok {
		return Format{}, fmt.Errorf("prompts: unknown note format %q (known: %s)", id, strings.Join(formatIDs(), ", "))
	}
	return cloneFormat(f), nil
}

// Modalities lists the built-in modalities, ordered by ID.
func Modalities() []Modality {
	out := make([]Modality, 0, len(registry.modalities))
	for _, m := range registry.modalities {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ModalityByID returns the modality guidance with this id ("cbt", "dbt",
// "mat", "mi", "general"); an empty id means the general default.
func ModalityByID(id string) (Modality, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if id == "" {
		id = DefaultModality
	}
	m, ok := registry.modalities[id]
	if !ok {
		ids := make([]string, 0, len(registry.modalities))
		for k := range registry.modalities {
			ids = append(ids, k)
		}
		sort.Strings(ids)
		return Modality{}, fmt.Errorf("prompts: unknown modality %q (known: %s)", id, strings.Join(ids, ", "))
	}
	return m, nil
}

func formatIDs() []string {
	ids := make([]string, 0, len(registry.formats))
	for k := range registry.formats {
		ids = append(ids, k)
	}
	sort.Strings(ids)
	return ids
}

func cloneFormat(f Format) Format {
	f.Sections = append([]Section(nil), f.Sections...)
	return f
}
