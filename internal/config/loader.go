package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// FileEnv names the configuration file when --config is not given.
const FileEnv = "SCRIBE_CONFIG"

// Source is where a setting's value came from.
type Source int

const (
	FromDefault Source = iota
	FromFile
	FromEnv
	FromFlag
)

func (s Source) String() string {
	return [...]string{"default", "file", "env", "flag"}[s]
}

// Origin is a setting's source and the exact place: the variable, the
// flag or the file.
type Origin struct {
	Source Source
	Where  string // "SCRIBE_ADDR", "--addr", "/etc/scribe.toml"; "" for a default
}

func (o Origin) String() string {
	if o.Where == "" {
		return o.Source.String()
	}
	return o.Source.String() + " " + o.Where
}

// Setting describes one field of Config (from its tags).
type Setting struct {
	Name, Env, Flag, Default, Help, Group string
	Secret                                bool
	index                                 int
	kind                                  reflect.Type
}

// Type names the setting's value syntax for the documentation.
func (s Setting) Type() string {
	switch s.kind {
	case durationType:
		return "duration"
	case stringsType:
		return "list"
	}
	switch s.kind.Kind() {
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int64:
		return "integer"
	}
	return "string"
}

var (
	durationType = reflect.TypeOf(time.Duration(0))
	stringsType  = reflect.TypeOf([]string(nil))
	settings     = mustSettings()
	byName       = map[string]*Setting{}
)

func init() {
	for i := range settings {
		byName[settings[i].Name] = &settings[i]
	}
}

// Settings lists every setting in the order of Config.
func Settings() []Setting { return append([]Setting(nil), settings...) }

func mustSettings() []Setting {
	t := reflect.TypeOf(Config{})
	out := make([]Setting, 0, t.NumField())
	seen := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		s := Setting{Name: f.Tag.Get("name"), Env: f.Tag.Get("env"), Flag: f.Tag.Get("flag"), Default: f.Tag.Get("default"),
			Help: f.Tag.Get("help"), Group: f.Tag.Get("group"), Secret: f.Tag.Get("secret") == "true", index: i, kind: f.Type}
		if s.Name == "" || s.Help == "" || s.Group == "" || seen[s.Name] {
			panic("config: field " + f.Name + " needs a unique name, a help and a group tag")
		}
		seen[s.Name] = true
		if s.Default != "" {
			if _, err := parseValue(s.kind, s.Default); err != nil {
				panic("config: default of " + s.Name + ": " + err.Error())
			}
		}
		out = append(out, s)
	}
	return out
}

// Defaults is the configuration with nothing set.
func Defaults() Config {
	var c Config
	v := reflect.ValueOf(&c).Elem()
	for _, s := range settings {
		if s.Default != "" {
			x, _ := parseValue(s.kind, s.Default)
			v.Field(s.index).Set(x)
		}
	}
	return c
}

// parseValue reads the text of an environment variable, a flag or a
// file value into the setting's type.
func parseValue(t reflect.Type, raw string) (reflect.Value, error) {
	switch t {
	case durationType:
		d, err := time.ParseDuration(strings.TrimSpace(raw))
		if err != nil {
			return reflect.Value{}, fmt.Errorf("%q is not a duration (write it like 90s, 15m or 4h)", raw)
		}
		return reflect.ValueOf(d), nil
	case stringsType:
		var list []string
		for _, p := range strings.Split(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				list = append(list, p)
			}
		}
		return reflect.ValueOf(list), nil
	}
	switch t.Kind() {
	case reflect.String:
		return reflect.ValueOf(raw).Convert(t), nil
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			return reflect.Value{}, fmt.Errorf("%q is not true or false", raw)
		}
		return reflect.ValueOf(b), nil
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			return reflect.Value{}, fmt.Errorf("%q is not a whole number", raw)
		}
		return reflect.ValueOf(n).Convert(t), nil
	}
	panic("config: unsupported type " + t.String())
}

// format writes a value in the syntax parseValue reads.
func format(v reflect.Value) string {
	switch v.Type() {
	case durationType:
		return v.Interface().(time.Duration).String()
	case stringsType:
		return strings.Join(v.Interface().([]string), ",")
	}
	return fmt.Sprint(v.Interface())
}

// Loader resolves a Config for one command: it registers the flags of the
// settings the command takes (and --config), and after the flags are
// parsed, Resolve fills in the rest from the environment, the file and the
// defaults, and checks every value.
type Loader struct {
	fs       *flag.FlagSet
	file     string // --config
	cfg      Config
	flagged  map[string]string // setting name -> flag set on the command line
	targets  []target
	origins  map[string]Origin
	lookup   func(string) (string, bool)
	resolved bool
}

type target struct {
	name string
	ptr  reflect.Value // pointer to the caller's variable
}

// For returns the Loader of a FlagSet, attaching one (with its --config
// flag) the first time.
func For(fs *flag.FlagSet) *Loader {
	if f := fs.Lookup("config"); f != nil {
		if l, ok := f.Value.(*Loader); ok {
			return l
		}
	}
	l := &Loader{fs: fs, cfg: Defaults(), flagged: map[string]string{}, lookup: lookupEnv}
	fs.Var(l, "config", "TOML file of settings (see docs/configuration.md); flags and environment variables override it [$"+FileEnv+"]")
	return l
}

// lookupEnv is the one read of the process environment for settings; an
// empty variable counts as unset.
func lookupEnv(name string) (string, bool) {
	v, ok := os.LookupEnv(name)
	return v, ok && v != ""
}

// String and Set make the Loader the value of --config.
func (l *Loader) String() string {
	if l == nil {
		return ""
	}
	return l.file
}
func (l *Loader) Set(path string) error { l.file = path; return nil }

// Var registers the setting's flag on the command (when it has one) and
// has Resolve store the setting's effective value in ptr, which must point
// to a variable of the setting's type.
func Var[T any](fs *flag.FlagSet, ptr *T, name string) {
	VarAs(fs, ptr, name, For(fs).setting(name).Flag)
}

// Flag registers the setting under a flag name (its own, or a command's
// older name for it, such as `session create --base-url` for public_url).
func (l *Loader) Flag(name, flagName string) {
	s := l.setting(name)
	usage := s.Help
	if s.Env != "" {
		usage += " [$" + s.Env + "]"
	}
	if l.fs.Lookup(flagName) != nil {
		return // registered already (a command may ask twice)
	}
	fv := &flagValue{l: l, s: s, flag: flagName}
	l.fs.Var(fv, flagName, usage)
}

// Flags registers the flags of the named settings without a variable to
// fill (read them from Config after Resolve).
func (l *Loader) Flags(names ...string) {
	for _, n := range names {
		s := l.setting(n)
		if s.Flag != "" {
			l.Flag(n, s.Flag)
		}
	}
}

// AllFlags registers the flag of every setting that has one.
func (l *Loader) AllFlags() {
	for _, s := range settings {
		if s.Flag != "" && l.fs.Lookup(s.Flag) == nil {
			l.Flag(s.Name, s.Flag)
		}
	}
}

func (l *Loader) setting(name string) *Setting {
	s, ok := byName[name]
	if !ok {
		panic("config: no setting " + name)
	}
	return s
}

type flagValue struct {
	l    *Loader
	s    *Setting
	flag string
}

func (f *flagValue) String() string {
	if f == nil || f.l == nil {
		return ""
	}
	return format(reflect.ValueOf(f.l.cfg).Field(f.s.index))
}

func (f *flagValue) Set(raw string) error {
	v, err := parseValue(f.s.kind, raw)
	if err != nil {
		return err
	}
	reflect.ValueOf(&f.l.cfg).Elem().Field(f.s.index).Set(v)
	f.l.flagged[f.s.Name] = "--" + f.flag
	return nil
}

func (f *flagValue) IsBoolFlag() bool { return f.s.kind.Kind() == reflect.Bool }

// Resolve completes the configuration of a FlagSet after it was parsed;
// a FlagSet without a Loader gives nil and no error.
func Resolve(fs *flag.FlagSet) (*Config, error) {
	f := fs.Lookup("config")
	if f == nil {
		return nil, nil
	}
	l, ok := f.Value.(*Loader)
	if !ok {
		return nil, nil
	}
	return l.Resolve()
}

// Resolve applies, for every setting not given as a flag, the environment,
// then the file, then the default; checks every value; and fills the
// variables given to Var.
func (l *Loader) Resolve() (*Config, error) {
	if l.resolved {
		return &l.cfg, nil
	}
	file := l.file
	fileWhere := "--config"
	if file == "" {
		file, _ = l.lookup(FileEnv)
		fileWhere = FileEnv
	}
	var fileVals map[string]string
	if file != "" {
		var err error
		if fileVals, err = readFile(file); err != nil {
			return nil, fmt.Errorf("config file %s (from %s): %w", file, fileWhere, err)
		}
	}
	cv := reflect.ValueOf(&l.cfg).Elem()
	l.origins = map[string]Origin{}
	var errs []error
	for _, s := range settings {
		if fl, ok := l.flagged[s.Name]; ok {
			l.origins[s.Name] = Origin{FromFlag, fl}
			continue
		}
		raw, where, src := "", "", FromDefault
		if s.Env != "" {
			if v, ok := l.lookup(s.Env); ok {
				raw, where, src = v, s.Env, FromEnv
			}
		}
		if src == FromDefault {
			if v, ok := fileVals[s.Name]; ok {
				raw, where, src = v, file, FromFile
			}
		}
		if src == FromDefault {
			x, _ := parseValue(s.kind, s.Default)
			if s.Default == "" {
				x = reflect.Zero(s.kind)
			}
			cv.Field(s.index).Set(x)
			l.origins[s.Name] = Origin{Source: FromDefault}
			continue
		}
		x, err := parseValue(s.kind, raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w (from %s %s)", s.Name, err, src, where))
			continue
		}
		cv.Field(s.index).Set(x)
		l.origins[s.Name] = Origin{src, where}
	}
	if len(errs) == 0 {
		for _, p := range l.cfg.problems() {
			errs = append(errs, fmt.Errorf("%s: %s (from %s)", p.name, p.msg, l.origins[p.name]))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, t := range l.targets {
		t.ptr.Elem().Set(cv.Field(byName[t.name].index))
	}
	l.resolved = true
	return &l.cfg, nil
}

// Config is the resolved configuration (after Resolve).
func (l *Loader) Config() *Config { return &l.cfg }

// Origin says where a setting's value came from (after Resolve).
func (l *Loader) Origin(name string) Origin { return l.origins[name] }

// readFile reads a TOML file of settings into their text form; a key that
// names no setting is an error (a misspelt setting would otherwise be
// silently ignored).
func readFile(path string) (map[string]string, error) {
	raw := map[string]any{}
	if _, err := toml.DecodeFile(path, &raw); err != nil {
		return nil, err
	}
	out := map[string]string{}
	var unknown []string
	for k, v := range raw {
		s, ok := byName[k]
		if !ok {
			unknown = append(unknown, k)
			continue
		}
		switch x := v.(type) {
		case string:
			out[k] = x
		case bool, int64, float64:
			if s.kind == durationType {
				return nil, fmt.Errorf("%s: write the duration as a string, like \"15m\"", k)
			}
			out[k] = fmt.Sprint(x)
		case []any:
			parts := make([]string, 0, len(x))
			for _, e := range x {
				es, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("%s: the list must hold strings", k)
				}
				parts = append(parts, es)
			}
			if s.kind != stringsType {
				return nil, fmt.Errorf("%s: is not a list", k)
			}
			out[k] = strings.Join(parts, ",")
		default:
			return nil, fmt.Errorf("%s: unreadable value %v", k, v)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("unknown setting(s) %s (docs/configuration.md lists them)", strings.Join(unknown, ", "))
	}
	return out, nil
}

// Load resolves a configuration without a command line: the environment,
// the file named by SCRIBE_CONFIG, the defaults.
func Load() (*Config, error) {
	return For(flag.NewFlagSet("scribe", flag.ContinueOnError)).Resolve()
}

// Secret returns the value of a secret named at run time, such as the
// environment variable an admin recorded as a model provider's API key
// ("" when unset). It is the one other read of the environment.
func Secret(name string) string {
	if name == "" {
		return ""
	}
	v, _ := lookupEnv(name)
	return strings.TrimSpace(v)
}

// VarAs is Var under a command's own flag name for the setting (such as
// `session create --base-url` for public_url; "" registers no flag).
func VarAs[T any](fs *flag.FlagSet, ptr *T, name, flagName string) {
	l := For(fs)
	s := l.setting(name)
	pv := reflect.ValueOf(ptr)
	if pv.Elem().Type() != s.kind {
		panic(fmt.Sprintf("config: %s is a %s, not a %T", name, s.kind, *ptr))
	}
	l.targets = append(l.targets, target{name: name, ptr: pv})
	if flagName != "" {
		l.Flag(name, flagName)
	}
	pv.Elem().Set(reflect.ValueOf(&l.cfg).Elem().Field(s.index))
}
