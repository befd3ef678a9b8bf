// Package checkconfig reads the checks and server sections of a dq.yaml
// file: the scheduled checks that dq serve and dq run execute. The publish
// section is the one sinks/publish reads for dq eval; here it is the shared
// default that a check's own publish section replaces.
//
// Unknown keys anywhere in these sections are errors with line numbers, so
// a misspelt setting is never silently ignored.
package checkconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/dqlabs/dq/cmd/internal/schedule"
	"github.com/dqlabs/dq/sinks/publish"
)

// File is a parsed, validated dq.yaml.
type File struct {
	// Path is the file's absolute path; Dir, its directory, is what
	// relative paths in it are read against.
	Path, Dir string
	Server    Server
	Publish   publish.Config
	Checks    []*Check
}

// Server holds dq serve's scheduling policies.
type Server struct {
	// MaxConcurrentRuns bounds how many checks evaluate at once, so two
	// large checks do not exhaust memory together. Default 2.
	MaxConcurrentRuns int `yaml:"maxConcurrentRuns"`
	// Jitter delays each scheduled run by a random amount up to this,
	// spreading checks that share a schedule. Default 0. For rate()
	// schedules it is capped at half the interval.
	Jitter time.Duration `yaml:"jitter"`
	// CatchUp runs a check once on start when its last scheduled time
	// passed while the server was down (at most one run, however many
	// were missed). Default true.
	CatchUp *bool `yaml:"catchUp"`
	// GracePeriod is how long running checks may finish after SIGTERM
	// before they are cancelled. Default 30s.
	GracePeriod time.Duration `yaml:"gracePeriod"`
	// History is the metric history store: a DuckDB file, or
	// s3://bucket/prefix/ for one object per run. Default: dq eval's.
	History string `yaml:"history"`
	// RunsKept is how many runs per check the page and API keep in
	// memory. Default 200.
	RunsKept int `yaml:"runsKept"`
}

// Defaults.
const (
	DefaultMaxConcurrentRuns = 2
	DefaultGracePeriod       = 30 * time.Second
	DefaultRunsKept          = 200
)

// CatchUpOn reports whether missed runs are caught up.
func (s Server) CatchUpOn() bool { return s.CatchUp == nil || *s.CatchUp }

// Check is one scheduled evaluation.
type Check struct {
	Name     string `yaml:"name"`
	Ruleset  string `yaml:"ruleset"`
	Dataset  string `yaml:"dataset"`
	Schedule string `yaml:"schedule"`
	// Timezone is an IANA zone (Europe/Berlin); cron times are its wall
	// clock. Default UTC.
	Timezone string `yaml:"timezone"`
	// Format of the data files (parquet, csv, json); default from the
	// file names, as dq eval --format-in.
	Format string            `yaml:"format"`
	Labels map[string]string `yaml:"labels"`
	// Refs binds reference aliases to datasets, like dq eval --ref.
	Refs map[string]string `yaml:"refs"`
	// Partition is a Glue partition filter for a glue:// dataset, like
	// dq eval --partition, and a template like Dataset, e.g.
	// year='{{ .Prev.Format "2006" }}' AND month='{{ .Prev.Format "01" }}'.
	Partition string `yaml:"partition"`
	// DatasetID is the check's series in the history; default the check
	// name, which stays the same when a templated dataset path changes
	// from day to day.
	DatasetID   string          `yaml:"datasetId"`
	Timeout     time.Duration   `yaml:"timeout"`
	MemoryLimit string          `yaml:"memoryLimit"`
	Publish     *publish.Config `yaml:"publish"`

	// Line is where the check starts in the file, for messages.
	Line int `yaml:"-"`
	// Sched and Loc are the parsed schedule and zone.
	Sched schedule.Schedule `yaml:"-"`
	Loc   *time.Location    `yaml:"-"`

	dir      string
	datasetT *template.Template
	refsT    map[string]*template.Template
	partT    *template.Template
}

// nameRE is what a check name may look like: it appears in URLs, metric
// labels and file names. Compiled on first use: the repetition makes it
// ~800 allocations, paid at init by every dq process otherwise.
var nameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`) })

// ValidName reports whether name is a valid check name.
func ValidName(name string) bool { return nameRE().MatchString(name) && !strings.Contains(name, "..") }

type rawFile struct {
	Server  Server         `yaml:"server"`
	Publish publish.Config `yaml:"publish"`
	Checks  []*Check       `yaml:"checks"`
}

// Load reads and validates path. Every problem is reported, each with the
// line it is on.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse is Load on bytes already read; path names the file in messages and
// its directory anchors relative paths.
func Parse(path string, data []byte) (*File, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	var raw rawFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: the file is empty; it needs a checks: list", path)
		}
		return nil, fmt.Errorf("%s: %s", path, friendlyYAML(err))
	}
	// A second pass over the nodes finds each check's line.
	var nodes struct {
		Checks []yaml.Node `yaml:"checks"`
	}
	_ = yaml.Unmarshal(data, &nodes)
	f := &File{Path: abs, Dir: filepath.Dir(abs), Server: raw.Server, Publish: raw.Publish, Checks: raw.Checks}
	var errs []error
	at := func(line int, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", path, line, fmt.Sprintf(format, a...)))
	}
	if f.Server.MaxConcurrentRuns == 0 {
		f.Server.MaxConcurrentRuns = DefaultMaxConcurrentRuns
	}
	if f.Server.MaxConcurrentRuns < 0 {
		at(1, "server.maxConcurrentRuns must be positive, got %d", f.Server.MaxConcurrentRuns)
	}
	if f.Server.Jitter < 0 {
		at(1, "server.jitter must not be negative, got %s", f.Server.Jitter)
	}
	if f.Server.GracePeriod == 0 {
		f.Server.GracePeriod = DefaultGracePeriod
	}
	if f.Server.RunsKept <= 0 {
		f.Server.RunsKept = DefaultRunsKept
	}
	if f.Server.History != "" && !isURL(f.Server.History) {
		f.Server.History = f.resolve(f.Server.History)
	}
	f.Publish = f.resolvePublish(f.Publish)
	if err := f.Publish.Validate(); err != nil {
		at(1, "publish: %v", err)
	}
	if len(f.Checks) == 0 {
		errs = append(errs, fmt.Errorf("%s: no checks; add a checks: list with name, ruleset, dataset and schedule", path))
	}
	seen := map[string]int{}
	for i, c := range f.Checks {
		if c == nil {
			errs = append(errs, fmt.Errorf("%s: check %d is empty", path, i+1))
			continue
		}
		c.Line = 1
		if i < len(nodes.Checks) {
			c.Line = nodes.Checks[i].Line
		}
		c.dir = f.Dir
		for _, err := range c.validate() {
			at(c.Line, "check %s: %v", orIndex(c.Name, i), err)
		}
		key := strings.ToLower(c.Name)
		if prev, dup := seen[key]; dup && c.Name != "" {
			at(c.Line, "check %s: the name is already used by the check on line %d (names ignore case)", c.Name, prev)
		}
		seen[key] = c.Line
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return f, nil
}

// friendlyYAML names the section instead of the Go type in yaml.v3's
// unknown-field messages.
func friendlyYAML(err error) string {
	msg := err.Error()
	for typ, section := range map[string]string{
		"checkconfig.rawFile": "(the top level has server, publish and checks)",
		"checkconfig.Server":  "in server:",
		"checkconfig.Check":   "in a check",
		"publish.Config":      "in publish:",
	} {
		msg = strings.ReplaceAll(msg, "not found in type "+typ, "is not a setting "+section)
	}
	return strings.Replace(msg, "yaml: unmarshal errors:\n  ", "", 1)
}

func orIndex(name string, i int) string {
	if name == "" {
		return fmt.Sprintf("#%d", i+1)
	}
	return name
}

// Check returns the named check, or nil.
func (f *File) Check(name string) *Check {
	for _, c := range f.Checks {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (c *Check) validate() []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Name == "" {
		bad("name is missing")
	} else if !ValidName(c.Name) {
		bad("name %q: use letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)", c.Name)
	}
	if c.Ruleset == "" {
		bad("ruleset is missing: the DQDL file to evaluate")
	} else {
		c.Ruleset = resolveIn(c.dir, c.Ruleset)
		if st, err := os.Stat(c.Ruleset); err != nil {
			bad("ruleset: %v", err)
		} else if st.IsDir() {
			bad("ruleset %s is a directory, not a DQDL file", c.Ruleset)
		}
	}
	if c.Dataset == "" {
		bad("dataset is missing: a file, directory, glob or URL")
	} else if t, err := parseTemplate("dataset", c.Dataset); err != nil {
		bad("%v", err)
	} else {
		c.datasetT = t
	}
	c.Loc = time.UTC
	if c.Timezone != "" {
		loc, err := time.LoadLocation(c.Timezone)
		if err != nil {
			bad("timezone %q: not an IANA zone such as Europe/Berlin or America/New_York", c.Timezone)
		} else {
			c.Loc = loc
		}
	}
	if c.Schedule == "" {
		bad("schedule is missing, e.g. cron(0 6 * * ? *) or rate(1 hour)")
	} else if s, err := schedule.Parse(c.Schedule, c.Loc); err != nil {
		bad("%v", err)
	} else {
		c.Sched = s
	}
	switch strings.ToLower(c.Format) {
	case "", "parquet", "csv", "json":
	default:
		bad("format %q: use parquet, csv or json", c.Format)
	}
	if c.Partition != "" {
		if !strings.HasPrefix(strings.TrimSpace(c.Dataset), "glue://") {
			bad("partition filters a Glue table: the dataset must be glue://database/table")
		} else if t, err := parseTemplate("partition", c.Partition); err != nil {
			bad("%v", err)
		} else {
			c.partT = t
		}
	}
	c.refsT = map[string]*template.Template{}
	for alias, p := range c.Refs {
		if alias == "" || p == "" || strings.EqualFold(alias, "primary") {
			bad("refs: %q: %q: aliases and paths must not be empty, and primary is the checked dataset", alias, p)
			continue
		}
		t, err := parseTemplate("refs."+alias, p)
		if err != nil {
			bad("%v", err)
			continue
		}
		c.refsT[alias] = t
	}
	if c.Timeout < 0 {
		bad("timeout must not be negative, got %s", c.Timeout)
	}
	if c.Publish != nil {
		p := resolvePublish(c.dir, *c.Publish)
		c.Publish = &p
		if err := p.Validate(); err != nil {
			bad("publish: %v", err)
		}
	}
	if c.DatasetID == "" {
		c.DatasetID = c.Name
	}
	// A template must render for a real date, so that an unknown field
	// (.Data for .Date) fails at load, not at 6 am.
	if c.datasetT != nil {
		if _, err := c.DatasetAt(time.Date(2025, 1, 2, 6, 0, 0, 0, c.Loc), time.Date(2025, 1, 1, 6, 0, 0, 0, c.Loc)); err != nil {
			bad("%v", err)
		}
	}
	return errs
}

// TemplateData is what dataset and refs templates see.
type TemplateData struct {
	// Date is the run's logical date: the scheduled time in the check's
	// zone (for a manual run, the time it was asked for).
	Date time.Time
	// Prev is the schedule's previous time: the start of the interval the
	// run covers. For a daily check, Prev is yesterday.
	Prev time.Time
	// Check is the check's name.
	Check string
}

func parseTemplate(field, s string) (*template.Template, error) {
	t, err := template.New(field).Option("missingkey=error").Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%s: template: %v", field, err)
	}
	return t, nil
}

func (c *Check) render(t *template.Template, date, prev time.Time) (string, error) {
	var b strings.Builder
	d := TemplateData{Date: date.In(c.Loc), Prev: prev.In(c.Loc), Check: c.Name}
	if err := t.Execute(&b, d); err != nil {
		return "", fmt.Errorf("%s: template: %v", t.Name(), err)
	}
	return resolveIn(c.dir, b.String()), nil
}

// DatasetAt is the dataset location for a run at logical date date, whose
// previous scheduled time was prev, with relative paths resolved.
func (c *Check) DatasetAt(date, prev time.Time) (string, error) {
	return c.render(c.datasetT, date, prev)
}

// PartitionAt is the Glue partition filter for a run at date (previous
// scheduled time prev), "" when the check has none. It is SQL text, not a
// path, so it is not resolved against the config's directory.
func (c *Check) PartitionAt(date, prev time.Time) (string, error) {
	if c.partT == nil {
		return "", nil
	}
	var b strings.Builder
	d := TemplateData{Date: date.In(c.Loc), Prev: prev.In(c.Loc), Check: c.Name}
	if err := c.partT.Execute(&b, d); err != nil {
		return "", fmt.Errorf("partition: template: %v", err)
	}
	return b.String(), nil
}

// RefsAt renders the reference datasets like DatasetAt.
func (c *Check) RefsAt(date, prev time.Time) (map[string]string, error) {
	out := make(map[string]string, len(c.refsT))
	for alias, t := range c.refsT {
		p, err := c.render(t, date, prev)
		if err != nil {
			return nil, err
		}
		out[alias] = p
	}
	return out, nil
}

// PublishConfig is the check's publish section, or the shared one.
func (c *Check) PublishConfig(shared publish.Config) publish.Config {
	if c.Publish != nil {
		return *c.Publish
	}
	return shared
}

// Prev is the scheduled time before t: the start of the interval a run
// at t covers. It searches back at most 400 days.
func Prev(s schedule.Schedule, t time.Time) time.Time {
	if d := schedule.Every(s); d > 0 {
		return t.Add(-d)
	}
	lo := t.AddDate(0, 0, -1)
	for span := 24 * time.Hour; span <= 400*24*time.Hour; span *= 2 {
		lo = t.Add(-span)
		if n := s.Next(lo); !n.IsZero() && n.Before(t) {
			break
		}
	}
	var last time.Time
	for n := s.Next(lo); !n.IsZero() && n.Before(t); n = s.Next(n) {
		last = n
	}
	if last.IsZero() {
		return t
	}
	return last
}

func isURL(s string) bool { return strings.Contains(s, "://") }

func resolveIn(dir, p string) string {
	if p == "" || isURL(p) || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func (f *File) resolve(p string) string { return resolveIn(f.Dir, p) }

func (f *File) resolvePublish(p publish.Config) publish.Config { return resolvePublish(f.Dir, p) }

func resolvePublish(dir string, p publish.Config) publish.Config {
	p.Results = resolveIn(dir, p.Results)
	p.Spool = resolveIn(dir, p.Spool)
	return p
}
