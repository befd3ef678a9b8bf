package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dqlabs/dq/recommend"
	"github.com/dqlabs/dq/sinks/console"
)

// scanFlags are the data-reading flags of profile and recommend: eval's
// dataFlags without the ones about rules (composite mode, now, strict).
type scanFlags struct {
	FormatIn       *string       `name:"format-in" enum:"parquet,csv,json" placeholder:"parquet|csv|json" help:"Format of the data files. Default: from the file extension."`
	Hive           *bool         `negatable:"" help:"Read k=v directory names as Hive partition columns (--no-hive: never). Default: on when a directory under the data path is named k=v."`
	Timeout        time.Duration `placeholder:"DURATION" help:"Give up after this long, e.g. 90s or 10m (exit 2). Default: no limit."`
	MemoryLimit    string        `name:"memory-limit" placeholder:"SIZE" help:"DuckDB memory limit, e.g. 2G, 2GB or 2GiB. Default: 1.5GiB, or DuckDB's 80% of RAM when that is less."`
	Threads        int           `placeholder:"N" help:"DuckDB worker threads. Default: the CPUs dq may use (the cores, or a container's CPU limit)."`
	Approx         bool          `help:"Count distinct values approximately (HyperLogLog, as DuckDB's SUMMARIZE does). Columns that look unique or have few values are still counted exactly."`
	Skip           []string      `placeholder:"COLUMN" help:"Columns to leave out."`
	FollowSymlinks bool          `name:"follow-symlinks" help:"Read symbolic links to files found in a data directory or by a glob. Default: skip them with a note (links to directories are never followed)."`

	// --delimiter, --null-value, --column-type, … (readers.go).
	readerFlags `embed:""`
	remoteFlags `embed:""`
}

// data reuses eval's flag handling (validation, source, timeout, error
// mapping), so the two commands read data the same way.
func (f *scanFlags) data() *dataFlags {
	return &dataFlags{FormatIn: f.FormatIn, Hive: f.Hive, Timeout: f.Timeout, MemoryLimit: f.MemoryLimit, Threads: f.Threads, CompositeMode: "dataset", FollowSymlinks: f.FollowSymlinks, readerFlags: f.readerFlags, remoteFlags: f.remoteFlags}
}

// profile scans path. The error is ready to return from Run.
func (f *scanFlags) profile(e *env, path string) (*recommend.Profile, error) {
	df := f.data()
	df.setNotes(e)
	if err := df.checkArgs("", path); err != nil {
		return nil, &exitError{code: exitInvalid, err: err}
	}
	opts, err := df.options()
	if err != nil {
		return nil, &exitError{code: exitInvalid, err: err}
	}
	ctx, cancel := df.context(e.ctx)
	defer cancel()
	p, err := recommend.ProfileSource(ctx, df.sourceOf(path), recommend.ProfileOptions{
		Approx:  f.Approx,
		Skip:    f.Skip,
		Session: opts.Session,
	})
	var skipErr *recommend.SkipError
	if errors.As(err, &skipErr) {
		return nil, &exitError{code: exitInvalid, err: fmt.Errorf("--skip: %s", skipErr.Msg)}
	}
	if err := df.runError(ctx, err); err != nil {
		return nil, err
	}
	return p, nil
}

// ProfileCmd is `dq profile`.
type ProfileCmd struct {
	Data   string `arg:"" help:"Data: a file, a glob (quote it; ** matches any depth), a directory (read recursively), - for standard input, s3://bucket/key|prefix/|glob or glue://database/table."`
	Format string `enum:"table,json" default:"table" placeholder:"table|json" help:"Output: a table for people, or the full profile as JSON."`

	scanFlags `embed:""`
}

// Run profiles the data and prints the profile.
func (c *ProfileCmd) Run(e *env) error {
	start := time.Now()
	p, err := c.profile(e, c.Data)
	if err != nil {
		return err
	}
	if c.Format == "json" {
		b, err := json.MarshalIndent(p, "", "  ")
		if err != nil {
			return fmt.Errorf("encoding the profile: %w", err)
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", b)
		return err
	}
	if err := writeProfileTable(e.stdout, p); err != nil {
		return err
	}
	if !e.quiet {
		fmt.Fprintf(e.stderr, "dq: profiled %s rows × %s in %s\n", thousands(p.Rows), plural(len(p.Columns), "column"), time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// writeProfileTable prints one line per column. Numbers get min/max and
// moments, strings their lengths; the last column shows the most frequent
// values of low-cardinality columns.
func writeProfileTable(w io.Writer, p *recommend.Profile) error {
	// Column names and values are data: escape control characters.
	fmt.Fprintf(w, "%s: %s rows, %s\n\n", console.EscapeLine(p.Location), thousands(p.Rows), plural(len(p.Columns), "column"))
	tw := tabwriter.NewWriter(console.Escaper{W: w}, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COLUMN\tTYPE\tNULLS\tDISTINCT\tMIN\tMAX\tMEAN\tSTDDEV\tLENGTH\tTOP VALUES")
	for _, c := range p.Columns {
		nulls := thousands(c.Nulls)
		if c.Nulls > 0 && c.Rows > 0 {
			nulls += fmt.Sprintf(" (%.1f%%)", 100*float64(c.Nulls)/float64(c.Rows))
		}
		distinct := thousands(c.Distinct)
		if !c.DistinctExact {
			distinct = "~" + distinct
		}
		mn, mx, mean, sd, length := c.Min, c.Max, "", "", ""
		if st := c.Numeric; st != nil {
			mn, mx, mean, sd = short(st.Min), short(st.Max), short(st.Mean), short(st.StdDev)
			if st.NonFinite > 0 {
				mx += fmt.Sprintf(" (+%d NaN/Inf)", st.NonFinite)
			}
		}
		if l := c.Length; l != nil {
			length = fmt.Sprintf("%d..%d", l.Min, l.Max)
		}
		if t := typedAs(c.Parses); t != "" {
			length += " " + t
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Type, nulls, distinct,
			clip(mn, 20), clip(mx, 20), mean, sd, strings.TrimSpace(length), topList(c, 3))
	}
	return tw.Flush()
}

// typedAs names what every value of a string column reads as.
func typedAs(ps *recommend.Parses) string {
	switch {
	case ps == nil:
		return ""
	case ps.Integer:
		return "(integers)"
	case ps.Double:
		return "(numbers)"
	case ps.Boolean:
		return "(booleans)"
	case ps.Date:
		return "(dates)"
	case ps.Timestamp:
		return "(timestamps)"
	}
	return ""
}

func topList(c *recommend.ColumnProfile, k int) string {
	var s []string
	for i, v := range c.Histogram {
		if i == k {
			s = append(s, "…")
			break
		}
		s = append(s, clip(v.Value, 16)+" "+pct(float64(v.Count)/float64(c.Rows)))
	}
	return strings.Join(s, ", ")
}

// pct prints a share without rounding rare values to 0%.
func pct(f float64) string {
	if f*100 < 1 {
		return strconv.FormatFloat(f*100, 'g', 2, 64) + "%"
	}
	return strconv.FormatFloat(f*100, 'f', 0, 64) + "%"
}

// short prints a statistic in at most about ten characters.
func short(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// thousands formats n as 2,463,931.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
