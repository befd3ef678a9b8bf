package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Data that can be read only once — standard input, a pipe, a shell's
// process substitution (<(zcat data.csv.gz), a /dev/fd path) or a named
// FIFO — is copied, as it comes, into the session's private directory and
// read from there. Reading it in place loses data: dq's format detection
// reads the first bytes and DuckDB reads a file more than once (sniffing,
// checking types over all rows, then each scan of the view), so DuckDB
// saw the stream's rest or nothing, and the rules judged an empty dataset.

// Stream reads data from r once, when the source is registered, into a
// file of the session's private directory, and then reads that copy as
// Files(copy, opts) would. name is the copy's file name: its extension
// (".csv", ".json.gz", ".parquet") tells the format when opts does not;
// without one the content does (text is CSV only with opts.Format "csv").
// The dataset's location is name.
func Stream(name string, r io.Reader, opts FileOptions) Source {
	return streamSource{name: name, r: r, opts: opts}
}

type streamSource struct {
	name string
	r    io.Reader
	opts FileOptions
}

func (st streamSource) register(ctx context.Context, s *Session, rel string) (string, error) {
	// "<stdin>" is a fine location but a poor file name.
	name := strings.Trim(filepath.Base(st.name), "<>")
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\:*?"|`) {
		name = "stdin"
	}
	copied, err := s.spool(ctx, name, st.r)
	if err != nil {
		return "", &SourceError{Location: st.name, Err: err}
	}
	fs := fileSource{path: copied, opts: st.opts, spooled: true}
	if _, err := fs.register(ctx, s, rel); err != nil {
		var se *SourceError
		if errors.As(err, &se) && se.Location == copied {
			// The copy's path means nothing to the user.
			return "", &SourceError{Location: st.name, Err: renamedError{err: se.Err, from: copied, to: st.name}}
		}
		return "", err
	}
	return st.name, nil
}

// renamedError is err with one path in its text replaced by a name (the
// spooled copy by "<stdin>"), still matching what err matches.
type renamedError struct {
	err      error
	from, to string
}

func (e renamedError) Error() string { return strings.ReplaceAll(e.err.Error(), e.from, e.to) }
func (e renamedError) Unwrap() error { return e.err }

// isStream reports a path (followed through links) that is neither a
// regular file nor a directory: a pipe, FIFO, socket or device, which can
// be read only once.
func isStream(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.Mode().IsRegular() && !st.IsDir()
}

// spoolPath copies the stream at path (see isStream) into the session's
// private directory under its own base name, and returns the copy.
func (s *Session) spoolPath(ctx context.Context, path string) (string, error) {
	in, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer in.Close()
	return s.spool(ctx, filepath.Base(path), in)
}

// spool copies r into a new directory of the session's private directory
// as name, stopping when ctx ends.
func (s *Session) spool(ctx context.Context, name string, r io.Reader) (path string, err error) {
	if s.private == "" {
		return "", errors.New("reading a stream (standard input, a pipe) needs the session's private directory, which a session on a caller's DuckDB does not have; write the data to a file first")
	}
	dir := filepath.Join(s.private, s.internalName("stream"))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path = filepath.Join(dir, name)
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(out, 1<<20)
	if _, err := io.Copy(w, ctxReader{ctx: ctx, r: r}); err != nil {
		return "", fmt.Errorf("reading the stream: %w", err)
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	return path, nil
}
