package engine

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dqlabs/dq/dqdl"
)

// FileSystem is what the File* rules (spec §6.30-§6.33) read. Paths are
// the ones written in the rules. dq reads local paths itself; other schemes
// ("s3://…") are served by the FileSystem given for the scheme in
// Options.FileSystems.
type FileSystem interface {
	// Stat describes one file or directory.
	Stat(ctx context.Context, path string) (FileInfo, error)
	// List returns the files at path: the file itself, or every file under
	// a directory (prefix), recursively.
	List(ctx context.Context, path string) ([]FileInfo, error)
	// Open reads a file's content, for checksums.
	Open(ctx context.Context, path string) (io.ReadCloser, error)
}

// FileInfo describes one file.
type FileInfo struct {
	Path    string // as Open accepts it
	Rel     string // relative to the listed path (the base name for a single file)
	Size    int64
	ModTime time.Time
	IsDir   bool
}

// LocalFileSystem is the FileSystem of local paths.
func LocalFileSystem() FileSystem { return localFS{} }

var schemeRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)

// fileSystemFor picks the file system serving path: local paths (and
// file://) are read directly, other schemes by the caller's FileSystems.
func (fr *fileRule) fileSystemFor(path string) (FileSystem, error) {
	m := schemeRE.FindStringSubmatch(path)
	if m == nil || strings.EqualFold(m[1], "file") {
		return localFS{}, nil
	}
	for scheme, fsys := range fr.systems {
		if strings.EqualFold(scheme, m[1]) {
			return fsys, nil
		}
	}
	return nil, fmt.Errorf("%s:// paths are not supported yet by dq (only local files and directories)", m[1])
}

type localFS struct{}

func localPath(p string) string { return strings.TrimPrefix(p, "file://") }

func (localFS) Stat(_ context.Context, p string) (FileInfo, error) {
	st, err := os.Stat(localPath(p))
	if err != nil {
		return FileInfo{}, err
	}
	return FileInfo{Path: p, Rel: st.Name(), Size: st.Size(), ModTime: st.ModTime(), IsDir: st.IsDir()}, nil
}

// List walks a directory; like dq's data reader it skips the hidden and
// bookkeeping entries (".crc", "_SUCCESS") that writers leave beside data.
func (l localFS) List(ctx context.Context, p string) ([]FileInfo, error) {
	root := localPath(p)
	st, err := l.Stat(ctx, root)
	if err != nil {
		return nil, err
	}
	if !st.IsDir {
		return []FileInfo{st}, nil
	}
	var out []FileInfo
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if path != root && hiddenEntry(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		out = append(out, FileInfo{Path: path, Rel: filepath.ToSlash(rel), Size: info.Size(), ModTime: info.ModTime()})
		return nil
	})
	return out, err
}

func (localFS) Open(_ context.Context, p string) (io.ReadCloser, error) {
	return os.Open(localPath(p))
}

// fileRule is a planned File* rule: where its files come from and the
// tags that select them.
type fileRule struct {
	paths    []string // one path; two for FileMatch "a" "b"
	recent   int      // recentFiles; 0 = all
	uriRegex *regexp.Regexp
	order    []string // filter order: "recentFiles", "uriRegex"
	failFast bool
	hashName string
	newHash  func() hash.Hash
	byName   bool // matchFileName
	loc      *time.Location
	systems  map[string]FileSystem // by URL scheme, from Options.FileSystems
	scope    *fileScope            // where the rule's own paths may be
	ownData  bool                  // the paths are the data's files, read already
}

func (pl *planner) planFileRule(ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) {
	fr, bad := pl.fileRuleOf(r)
	if bad != nil {
		lp.fixed = bad
		return
	}
	switch {
	case r.Type == "FileMatch" && len(r.Params) == 2:
		lp.judge = fr.judgeFileMatchPaths(r)
	case r.Type == "FileMatch":
		lp.judge = fr.judgeFileChecksums(r)
	case r.Type == "FileUniqueness":
		lp.judge = fr.judgeFileUniqueness(r)
	case r.Type == "FileFreshness":
		lp.judge = fr.judgeFileFreshness(r)
	case r.Type == "FileSize":
		lp.judge = fr.judgeFileSize(r)
	}
}

// fileRuleOf reads a File* rule's paths and tags. A rule without a path
// checks the files the primary dataset was read from.
func (pl *planner) fileRuleOf(r *dqdl.SimpleRule) (*fileRule, *outcome) {
	if pl.scope == nil {
		pl.scope = newFileScope(pl.sess, pl.fileRoots)
	}
	fr := &fileRule{hashName: "SHA-256", newHash: sha256.New, order: []string{"recentFiles", "uriRegex"}, loc: time.UTC, systems: pl.fileSystems, scope: pl.scope}
	for _, p := range r.Params {
		fr.paths = append(fr.paths, p.Value)
	}
	if len(fr.paths) == 0 {
		// The files the data was read from, as read (symlinks skipped or
		// followed alike).
		var files []string
		if pl.sess != nil {
			if ds, ok := pl.sess.Dataset(pl.plan.rel.alias); ok {
				// 0-byte files were not read, but they are files of
				// the data, which FileSize > 0 B is written to catch.
				files = append(append(files, ds.local.files...), ds.local.zeroLength...)
				sort.Strings(files)
			}
		}
		if len(files) == 0 {
			return nil, failed("Unable to parse file path from DataFrame")
		}
		// The data files only: a README beside them was not read as data.
		var data []string
		for _, f := range files {
			if formatOf(f) != "" {
				data = append(data, f)
			}
		}
		if len(data) == 0 {
			data = files
		}
		fr.paths = data
		// Followed symlinks may lead outside the data's directory; the
		// user chose to read them.
		fr.ownData = true
	}
	if t := r.Tag("recentFiles"); t != nil {
		n, err := strconv.Atoi(strings.TrimSpace(t.Text()))
		if err != nil || n < 1 {
			return nil, errored(fmt.Sprintf("recentFiles must be a positive integer, got %q", t.Text()))
		}
		fr.recent = n
	}
	if t := r.Tag("uriRegex"); t != nil {
		re, err := regexp.Compile(t.Text())
		if err != nil {
			// Glue takes Java regular expressions; RE2 has no lookaround or
			// backreferences (spec §18 #8).
			return nil, errored(fmt.Sprintf("Invalid uriRegex %q (dq uses RE2 regular expressions, without lookaround): %v", t.Text(), err))
		}
		fr.uriRegex = re
	}
	if t := r.Tag("filterOrder"); t != nil {
		var order []string
		for _, f := range strings.Split(strings.Trim(t.Text(), "[] "), ",") {
			f = strings.Trim(strings.TrimSpace(f), `"`)
			if f != "recentFiles" && f != "uriRegex" {
				return nil, errored(fmt.Sprintf("filterOrder names recentFiles and uriRegex, got %q", f))
			}
			order = append(order, f)
		}
		fr.order = order
	}
	if t := r.Tag("failFast"); t != nil {
		fr.failFast = strings.EqualFold(t.Text(), "true")
	}
	if t := r.Tag("matchFileName"); t != nil {
		fr.byName = strings.EqualFold(t.Text(), "true")
	}
	if t := r.Tag("hashAlgorithm"); t != nil {
		switch strings.ToUpper(strings.ReplaceAll(t.Text(), "_", "-")) {
		case "MD5":
			fr.hashName, fr.newHash = "MD5", md5.New
		case "SHA-1", "SHA1":
			fr.hashName, fr.newHash = "SHA-1", sha1.New
		case "SHA-256", "SHA256":
		default:
			return nil, errored(fmt.Sprintf("Unsupported hashAlgorithm %q: use MD5, SHA-1 or SHA-256", t.Text()))
		}
	}
	loc, err := ruleLocation(r)
	if err != nil {
		return nil, errored(err.Error())
	}
	fr.loc = loc
	return fr, nil
}

// list returns the files of one path after the recentFiles and uriRegex
// filters, in the tagged order; files are sorted by path so results do not
// depend on directory order.
func (fr *fileRule) list(ctx context.Context, paths ...string) ([]FileInfo, error) {
	var files []FileInfo
	for _, p := range paths {
		fsys, err := fr.fileSystemFor(p)
		if err != nil {
			return nil, err
		}
		if !fr.ownData {
			if err := fr.scope.check(p); err != nil {
				return nil, &scopeError{err}
			}
		}
		listed, err := fsys.List(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", p, err)
		}
		files = append(files, listed...)
	}
	for _, f := range fr.order {
		switch {
		case f == "recentFiles" && fr.recent > 0 && len(files) > fr.recent:
			sort.SliceStable(files, func(i, j int) bool { return files[i].ModTime.After(files[j].ModTime) })
			files = files[:fr.recent]
		case f == "uriRegex" && fr.uriRegex != nil:
			kept := files[:0:0]
			for _, fi := range files {
				if fr.uriRegex.MatchString(filepath.ToSlash(fi.Path)) {
					kept = append(kept, fi)
				}
			}
			files = kept
		}
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// listOrFail lists the rule's files; no file at all fails the rule.
func (fr *fileRule) listOrFail(ctx context.Context, paths ...string) ([]FileInfo, *outcome) {
	files, err := fr.list(ctx, paths...)
	if err != nil {
		if ctx.Err() != nil {
			return nil, errored(ctx.Err().Error())
		}
		var se *scopeError
		if errors.As(err, &se) {
			return nil, errored(se.Error())
		}
		return nil, errored("Exception thrown while evaluating rule: " + err.Error())
	}
	if len(files) == 0 {
		return nil, failed("No files found at " + strings.Join(paths, ", "))
	}
	return files, nil
}

// checksum hashes one file with the rule's algorithm, honouring ctx
// between reads so a cancelled run does not finish hashing a large file.
func (fr *fileRule) checksum(ctx context.Context, fi FileInfo) (string, error) {
	fsys, err := fr.fileSystemFor(fi.Path)
	if err != nil {
		return "", err
	}
	rc, err := fsys.Open(ctx, fi.Path)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", fi.Path, err)
	}
	defer rc.Close()
	h := fr.newHash()
	if _, err := io.Copy(h, ctxReader{ctx, rc}); err != nil {
		return "", fmt.Errorf("reading %s: %w", fi.Path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// scopeError is a path a File* rule may not read; its message stands
// alone, without the "Exception thrown" of a failed read.
type scopeError struct{ err error }

func (e *scopeError) Error() string { return e.err.Error() }
func (e *scopeError) Unwrap() error { return e.err }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// fileCompliance judges a per-file condition: the share of files passing
// against the threshold (default: all). With failFast the first failing
// file fails the rule at once and the share counts the files seen so far.
func (fr *fileRule) fileCompliance(ctx context.Context, ev *evalState, r *dqdl.SimpleRule, files []FileInfo, metric string, pass func(FileInfo) bool, o *outcome) {
	if r.Condition == nil {
		pass = func(FileInfo) bool { return true } // an analyzer: metrics only
	}
	passed, seen := 0, 0
	var failing []string
	for _, f := range files {
		seen++
		if pass(f) {
			passed++
			continue
		}
		failing = append(failing, f.Path)
		if fr.failFast {
			break
		}
	}
	m := float64(passed) / float64(seen)
	o.metric(metric, m)
	o.metric(datasetMetric("FileCount"), float64(seen))
	if r.Condition == nil {
		return
	}
	if fr.failFast && len(failing) > 0 {
		o.fail("File " + failing[0] + " does not satisfy the condition (failFast)")
		return
	}
	ok := m == 1
	if r.Threshold != nil {
		xs, err := ev.operands(ctx, r.Threshold, metric)
		if err != nil {
			o.setError(err.Error())
			return
		}
		ok = compare(r.Threshold.Op, m, xs)
	}
	if !ok {
		o.fail(fmt.Sprintf("%.2f %% of files passed the threshold", m*100))
	}
}

func (fr *fileRule) judgeFileSize(r *dqdl.SimpleRule) func(context.Context, *evalState) *outcome {
	return func(ctx context.Context, ev *evalState) *outcome {
		files, bad := fr.listOrFail(ctx, fr.paths...)
		if bad != nil {
			return bad
		}
		o := newOutcome()
		lo, hi := files[0].Size, files[0].Size
		for _, f := range files {
			lo, hi = min(lo, f.Size), max(hi, f.Size)
		}
		o.metric(datasetMetric("MinimumFileSize"), float64(lo))
		o.metric(datasetMetric("MaximumFileSize"), float64(hi))
		var xs []float64
		if r.Condition != nil {
			for _, op := range r.Condition.Operands {
				s, ok := op.(*dqdl.Size)
				if !ok {
					return errored(fmt.Sprintf("FileSize takes sizes such as 5 MB, got %s", dqdl.OperandString(op)))
				}
				xs = append(xs, float64(s.Bytes()))
			}
		}
		fr.fileCompliance(ctx, ev, r, files, datasetMetric("FileSize.Compliance"), func(f FileInfo) bool {
			return compare(r.Condition.Op, float64(f.Size), xs)
		}, o)
		return o
	}
}

func (fr *fileRule) judgeFileFreshness(r *dqdl.SimpleRule) func(context.Context, *evalState) *outcome {
	return func(ctx context.Context, ev *evalState) *outcome {
		files, bad := fr.listOrFail(ctx, fr.paths...)
		if bad != nil {
			return bad
		}
		var ops []dateOperand
		if r.Condition != nil {
			for _, op := range r.Condition.Operands {
				d, err := resolveDate(op, ev.now, fr.loc)
				if err != nil {
					return errored(err.Error())
				}
				ops = append(ops, d)
			}
		}
		o := newOutcome()
		fr.fileCompliance(ctx, ev, r, files, datasetMetric("FileFreshness.Compliance"), func(f FileInfo) bool {
			return dateHolds(r.Condition.Op, f.ModTime.UTC(), ops)
		}, o)
		return o
	}
}

// dateHolds applies a date condition to a file's modification time. A file
// always has one, so NULL operands only match != and not in. between takes
// its bounds in either order: Glue's own example writes
// `between now() and (now() - 45 minutes)`.
func dateHolds(op dqdl.Op, t time.Time, ops []dateOperand) bool {
	eq := func(d dateOperand) bool { return !d.null && t.Equal(d.t) }
	switch op {
	case dqdl.OpEq:
		return eq(ops[0])
	case dqdl.OpNe:
		return !eq(ops[0])
	case dqdl.OpIn, dqdl.OpNotIn:
		found := false
		for _, d := range ops {
			found = found || eq(d)
		}
		return found == (op == dqdl.OpIn)
	}
	for _, d := range ops {
		if d.null {
			return false
		}
	}
	switch op {
	case dqdl.OpGt:
		return t.After(ops[0].t)
	case dqdl.OpGe:
		return !t.Before(ops[0].t)
	case dqdl.OpLt:
		return t.Before(ops[0].t)
	case dqdl.OpLe:
		return !t.After(ops[0].t)
	case dqdl.OpBetween, dqdl.OpNotBetween:
		lo, hi := ops[0].t, ops[1].t
		if hi.Before(lo) {
			lo, hi = hi, lo
		}
		in := t.After(lo) && t.Before(hi)
		return in == (op == dqdl.OpBetween)
	}
	return false
}

func (fr *fileRule) judgeFileUniqueness(r *dqdl.SimpleRule) func(context.Context, *evalState) *outcome {
	return func(ctx context.Context, ev *evalState) *outcome {
		files, bad := fr.listOrFail(ctx, fr.paths...)
		if bad != nil {
			return bad
		}
		distinct := map[string]bool{}
		for _, f := range files {
			sum, err := fr.checksum(ctx, f)
			if err != nil {
				return errored("Exception thrown while evaluating rule: " + err.Error())
			}
			distinct[sum] = true
		}
		o := newOutcome()
		metric := datasetMetric("FileUniquenessRatio")
		m := float64(len(distinct)) / float64(len(files))
		o.metric(metric, m)
		o.metric(datasetMetric("FileCount"), float64(len(files)))
		if r.Condition != nil {
			ev.check(ctx, o, r.Condition, metric, m)
		}
		return o
	}
}

// judgeFileChecksums is `FileMatch ["path"] in [checksums]`: every file's
// checksum must satisfy the string condition. Hex digits compare ignoring
// case.
func (fr *fileRule) judgeFileChecksums(r *dqdl.SimpleRule) func(context.Context, *evalState) *outcome {
	return func(ctx context.Context, ev *evalState) *outcome {
		files, bad := fr.listOrFail(ctx, fr.paths...)
		if bad != nil {
			return bad
		}
		var want []string
		var re *regexp.Regexp
		if r.Condition != nil {
			for _, op := range r.Condition.Operands {
				s, ok := stringOperand(op)
				if ok {
					want = append(want, strings.ToLower(s))
				}
			}
			if (r.Condition.Op == dqdl.OpMatches || r.Condition.Op == dqdl.OpNotMatches) && len(want) == 1 {
				var err error
				if re, err = regexp.Compile(`(?i)^(?:` + want[0] + `)$`); err != nil {
					return errored(fmt.Sprintf("Invalid pattern %q: %v", want[0], err))
				}
			}
		}
		holds := func(sum string) bool {
			found := false
			for _, w := range want {
				found = found || sum == w
			}
			switch r.Condition.Op {
			case dqdl.OpEq, dqdl.OpIn:
				return found
			case dqdl.OpNe, dqdl.OpNotIn:
				return !found
			case dqdl.OpMatches:
				return re != nil && re.MatchString(sum)
			case dqdl.OpNotMatches:
				return re != nil && !re.MatchString(sum)
			}
			return false
		}
		o := newOutcome()
		passed, seen := 0, 0
		var failing []string
		for _, f := range files {
			sum, err := fr.checksum(ctx, f)
			if err != nil {
				return errored("Exception thrown while evaluating rule: " + err.Error())
			}
			seen++
			if r.Condition == nil || holds(sum) {
				passed++
				continue
			}
			failing = append(failing, fmt.Sprintf("%s (%s %s)", f.Path, fr.hashName, sum))
			if fr.failFast {
				break
			}
		}
		o.metric(datasetMetric("FileMatch"), float64(passed)/float64(seen))
		o.metric(datasetMetric("FileCount"), float64(seen))
		if len(failing) > 0 {
			o.fail("Checksums that do not satisfy the condition: " + joinFirst(failing, 5))
		}
		return o
	}
}

// judgeFileMatchPaths is `FileMatch "a" "b"`: the two paths hold the same
// files. By default the multisets of checksums must be equal; with
// matchFileName each relative name must exist on both sides with equal
// content. Sizes are compared before any byte is hashed, and with failFast
// hashing stops at the first difference.
func (fr *fileRule) judgeFileMatchPaths(r *dqdl.SimpleRule) func(context.Context, *evalState) *outcome {
	return func(ctx context.Context, ev *evalState) *outcome {
		a, bad := fr.listOrFail(ctx, fr.paths[0])
		if bad != nil {
			return bad
		}
		b, bad := fr.listOrFail(ctx, fr.paths[1])
		if bad != nil {
			return bad
		}
		o := newOutcome()
		metric := datasetMetric("FileMatch")
		o.metric(datasetMetric("FileCount"), float64(len(a)+len(b)))
		mismatch := func(msg string) *outcome {
			o.metric(metric, 0)
			o.fail(msg)
			return o
		}
		if len(a) != len(b) {
			return mismatch(fmt.Sprintf("%s holds %d files and %s holds %d", fr.paths[0], len(a), fr.paths[1], len(b)))
		}
		sums := func(files []FileInfo) (map[string]string, error) {
			out := map[string]string{}
			for _, f := range files {
				s, err := fr.checksum(ctx, f)
				if err != nil {
					return nil, err
				}
				out[f.Rel] = s
			}
			return out, nil
		}
		if fr.byName {
			bByName := map[string]FileInfo{}
			for _, f := range b {
				bByName[f.Rel] = f
			}
			var differ []string
			for _, fa := range a {
				fb, ok := bByName[fa.Rel]
				if !ok || fa.Size != fb.Size {
					differ = append(differ, fa.Rel)
				} else {
					sa, err := fr.checksum(ctx, fa)
					if err != nil {
						return errored("Exception thrown while evaluating rule: " + err.Error())
					}
					sb, err := fr.checksum(ctx, fb)
					if err != nil {
						return errored("Exception thrown while evaluating rule: " + err.Error())
					}
					if sa != sb {
						differ = append(differ, fa.Rel)
					}
				}
				if fr.failFast && len(differ) > 0 {
					break
				}
			}
			if len(differ) > 0 {
				return mismatch("Files that do not match: " + joinFirst(differ, 5))
			}
			o.metric(metric, 1)
			return o
		}
		sizes := func(files []FileInfo) []int64 {
			s := make([]int64, len(files))
			for i, f := range files {
				s[i] = f.Size
			}
			sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
			return s
		}
		sa, sb := sizes(a), sizes(b)
		for i := range sa {
			if sa[i] != sb[i] {
				return mismatch(fmt.Sprintf("The files at %s and %s differ in size", fr.paths[0], fr.paths[1]))
			}
		}
		ha, err := sums(a)
		if err == nil {
			var hb map[string]string
			if hb, err = sums(b); err == nil {
				if !sameMultiset(ha, hb) {
					return mismatch(fmt.Sprintf("The %s checksums of the files at %s and %s do not match", fr.hashName, fr.paths[0], fr.paths[1]))
				}
			}
		}
		if err != nil {
			return errored("Exception thrown while evaluating rule: " + err.Error())
		}
		o.metric(metric, 1)
		return o
	}
}

func sameMultiset(a, b map[string]string) bool {
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		count[s]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

func joinFirst(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

// stringOperand is the text of a string operand, resolving $variables.
func stringOperand(o dqdl.Operand) (string, bool) {
	switch o := o.(type) {
	case *dqdl.StringLit:
		return o.Value, true
	case *dqdl.VarRef:
		if o.Value != nil && !o.Value.IsList {
			return stringOperand(o.Value.Value)
		}
	}
	return "", false
}
