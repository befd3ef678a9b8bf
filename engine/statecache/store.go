package statecache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/bits"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Identity names one version of one data file: a change of content must
// change it. Build it with LocalIdentity or S3Identity.
type Identity string

// LocalIdentity is a local file's identity: its absolute path, size and
// modification time in nanoseconds, and where the system has them its
// inode and status-change time, which no user tool can set back (a file
// rewritten within the clock's resolution with the same size and an mtime
// restored by `touch -d` still gets a new identity).
func LocalIdentity(path string) (Identity, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", abs)
	}
	return Identity(fmt.Sprintf("file\x00%s\x00%d\x00%d%s", abs, st.Size(), st.ModTime().UnixNano(), sysIdentity(st))), nil
}

// S3Identity is an S3 object's identity: a new version of an object has a
// new ETag.
func S3Identity(bucket, key, etag string) Identity {
	return Identity("s3\x00" + bucket + "\x00" + key + "\x00" + etag)
}

// DefaultMaxBytes bounds a store's total size unless Options say otherwise.
const DefaultMaxBytes = 256 << 20

// DefaultDir is where dq keeps file states: dq/state under the user's cache
// directory ($XDG_CACHE_HOME or ~/.cache on Linux).
func DefaultDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the user cache directory for the state cache: %w", err)
	}
	return filepath.Join(d, "dq", "state"), nil
}

// Options configure a Store.
type Options struct {
	Dir      string // "" = DefaultDir()
	MaxBytes int64  // total size bound; 0 = DefaultMaxBytes
}

// Store keeps file states on disk, one entry per (file identity, scope).
// Several processes may share one: entries are replaced atomically, and a
// reader that finds an entry missing, truncated or damaged treats it as a
// miss.
type Store struct {
	dir string
	max int64
	now func() time.Time
	// classes are the size classes this Store has marked (sizeMark).
	classes sync.Map
}

// Open opens (creating) a store.
func Open(opts Options) (*Store, error) {
	dir := opts.Dir
	if dir == "" {
		var err error
		if dir, err = DefaultDir(); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the state cache directory: %w", err)
	}
	max := opts.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	return &Store{dir: dir, max: max, now: time.Now}, nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// magic starts every states entry, bytesMagic every entry of PutBytes;
// the format version follows either.
const (
	magic      = "DQSTATE\n"
	bytesMagic = "DQBYTES\n"
)

const entrySuffix = ".st"

type entry struct {
	Identity Identity
	Scope    string
	States   map[string]State
}

func (s *Store) path(id Identity, scope string) string {
	h := sha256.Sum256([]byte(string(id) + "\x00" + scope))
	return filepath.Join(s.dir, hex.EncodeToString(h[:20])+entrySuffix)
}

// Get returns the states stored for the file under scope, keyed as they
// were put, or nil. Anything wrong with the entry (absent, another format
// version, a bad checksum, another identity behind the same hash) is a
// miss. A hit marks the entry recently used (to within touchEvery).
func (s *Store) Get(id Identity, scope string) map[string]State {
	b, used := s.read(id, scope, magic)
	if b == nil {
		return nil
	}
	e, err := decodeEntry(b)
	if err != nil || e.Identity != id || e.Scope != scope {
		return nil
	}
	used()
	return e.States
}

// GetAll returns the states stored for each file under scope, as Get
// does (nil for a miss), in the order of ids. A run reads one entry per
// data file: the entries are read on up to GOMAXPROCS goroutines, each a
// file open, a checksum and a decode. Only a cancelled ctx is an error.
func (s *Store) GetAll(ctx context.Context, ids []Identity, scope string) ([]map[string]State, error) {
	out := make([]map[string]State, len(ids))
	var next atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(ids) || ctx.Err() != nil {
				return
			}
			out[i] = s.Get(ids[i], scope)
		}
	}
	var wg sync.WaitGroup
	for range min(len(ids), runtime.GOMAXPROCS(0)) - 1 {
		wg.Add(1)
		go func() { defer wg.Done(); work() }()
	}
	work()
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// GetBytes returns the bytes stored for the file under scope by PutBytes,
// or nil; like Get, anything wrong with the entry is a miss. The scope
// should name what the bytes are and their version, so that entries of
// another kind or version are misses.
func (s *Store) GetBytes(id Identity, scope string) []byte {
	b, used := s.read(id, scope, bytesMagic)
	if b == nil {
		return nil
	}
	gotID, gotScope, data, ok := splitBytes(b)
	if !ok || gotID != id || gotScope != scope {
		return nil
	}
	used()
	return data
}

// read returns the payload of the entry after its header, when the entry
// starts with magic and the format version and its checksum is right, and
// a function that marks it used.
func (s *Store) read(id Identity, scope, magic string) (payload []byte, used func()) {
	p := s.path(id, scope)
	b, mod, err := readEntry(p)
	if err != nil {
		return nil, nil
	}
	head := len(magic) + 4 + sha256.Size
	if len(b) < head || string(b[:len(magic)]) != magic {
		return nil, nil
	}
	if binary.BigEndian.Uint32(b[len(magic):]) != FormatVersion {
		return nil, nil
	}
	payload = b[head:]
	if sum := sha256.Sum256(payload); !bytes.Equal(sum[:], b[len(magic)+4:head]) {
		return nil, nil
	}
	return payload, func() { s.touch(p, mod) }
}

// maxEntryBytes bounds what read reads: no entry is larger.
const maxEntryBytes = 1 << 30

// touchEvery is how stale an entry's modification time may get before a
// hit marks it used again: Trim's eviction order is exact to that, and a
// check run every few seconds does not rewrite its entries' inodes each
// time.
const touchEvery = 10 * time.Minute

// touch marks an entry read at mod recently used, for Trim.
func (s *Store) touch(path string, mod time.Time) {
	now := s.now()
	if now.Sub(mod) < touchEvery && !mod.After(now) {
		return
	}
	_ = os.Chtimes(path, now, now) // a failure only ages the entry
}

// Put stores the states of the file under scope, replacing what was there.
// Another process's concurrent Put of the same entry leaves one of the two
// whole.
func (s *Store) Put(id Identity, scope string, states map[string]State) error {
	payload, err := encodeEntry(id, scope, states)
	if err != nil {
		return fmt.Errorf("state cache: encoding an entry: %w", err)
	}
	return s.write(id, scope, frame(magic, payload))
}

// PutBytes stores data for the file under scope (see GetBytes), replacing
// what was there, atomically as Put does.
func (s *Store) PutBytes(id Identity, scope string, data []byte) error {
	payload := binary.AppendUvarint(nil, uint64(len(id)))
	payload = append(payload, id...)
	payload = binary.AppendUvarint(payload, uint64(len(scope)))
	payload = append(payload, scope...)
	payload = append(payload, data...)
	return s.write(id, scope, frame(bytesMagic, payload))
}

// splitBytes takes a PutBytes payload apart.
func splitBytes(b []byte) (id Identity, scope string, data []byte, ok bool) {
	field := func() (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return "", false
		}
		v := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return v, true
	}
	i, ok1 := field()
	sc, ok2 := field()
	if !ok1 || !ok2 {
		return "", "", nil, false
	}
	return Identity(i), sc, b, true
}

// write replaces the entry with b: written to a temporary file, then
// renamed over it.
func (s *Store) write(id Identity, scope string, b []byte) error {
	f, err := os.CreateTemp(s.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("state cache: %w", err)
	}
	tmp := f.Name()
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("state cache: writing an entry: %w", err)
	}
	// The entry's size class is marked before the entry appears, so that
	// a Trim that sees the entry sees its class.
	if err := s.markSize(int64(len(b))); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("state cache: %w", err)
	}
	if err := os.Rename(tmp, s.path(id, scope)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("state cache: %w", err)
	}
	return nil
}

// frame puts the header before an entry's payload: magic, the format
// version and the payload's checksum.
func frame(magic string, payload []byte) []byte {
	sum := sha256.Sum256(payload)
	out := make([]byte, 0, len(magic)+4+len(sum)+len(payload))
	out = append(out, magic...)
	out = binary.BigEndian.AppendUint32(out, FormatVersion)
	out = append(out, sum[:]...)
	return append(out, payload...)
}

var errBadEntry = errors.New("state cache: damaged entry")

// staleTemp is how old a temporary file must be before Trim removes it: a
// writer that died left it.
const staleTemp = time.Hour

// sizeMarkPrefix starts the names of the empty files that mark the size
// classes of the entries ever written to the store: ".size-<k>" says an
// entry of up to 2^k bytes was written. They let Trim bound the store's
// size from the directory's names alone.
const sizeMarkPrefix = ".size-"

// sizeClass is the smallest k with n <= 2^k.
func sizeClass(n int64) int { return bits.Len64(uint64(max(n, 1) - 1)) }

// markSize makes sure the size class of an entry of n bytes is marked.
// Marks are only ever added (never removed): another process may be
// about to rename an entry of that class into place.
func (s *Store) markSize(n int64) error {
	k := sizeClass(n)
	if _, ok := s.classes.Load(k); ok {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(s.dir, sizeMarkPrefix+strconv.Itoa(k)), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	s.classes.Store(k, true)
	return nil
}

// Trim evicts the least recently used entries until the store is within
// its size bound, and removes temporary files that writers left behind.
//
// Every writing run trims, and reading every entry's size costs a stat
// per entry (~0.6 ms for a dataset of 31 files, ~30 ms for 3,000). So
// Trim first bounds the total from the names alone: no entry is larger
// than the largest marked size class (markSize). When the count of
// entries times that class is within the bound, so is the store, and
// only stale temporary files are looked at. Entries written before the
// marks existed leave no mark: then, as when the bound may be exceeded,
// every entry's size is read.
func (s *Store) Trim() error {
	des, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("state cache: %w", err)
	}
	entries, largest := 0, -1
	for _, de := range des {
		name := de.Name()
		if k, err := strconv.Atoi(strings.TrimPrefix(name, sizeMarkPrefix)); err == nil && strings.HasPrefix(name, sizeMarkPrefix) && k >= 0 && k < 63 {
			largest = max(largest, k)
		} else if strings.HasSuffix(name, entrySuffix) {
			entries++
		}
	}
	if entries == 0 || (largest >= 0 && int64(entries) <= s.max>>largest) {
		s.removeStaleTemps(des)
		return nil
	}
	type file struct {
		path string
		size int64
		mod  time.Time
	}
	var files []file
	var total int64
	now := s.now()
	for _, de := range des {
		info, err := de.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue // removed meanwhile by another process
		}
		p := filepath.Join(s.dir, de.Name())
		switch {
		case strings.HasPrefix(de.Name(), ".tmp-"):
			if now.Sub(info.ModTime()) > staleTemp {
				_ = os.Remove(p)
			}
		case strings.HasSuffix(de.Name(), entrySuffix):
			files = append(files, file{p, info.Size(), info.ModTime()})
			total += info.Size()
		}
	}
	if largest < 0 {
		// Marks the entries' class, for the next Trim to use.
		var biggest int64
		for _, f := range files {
			biggest = max(biggest, f.size)
		}
		_ = s.markSize(biggest) // unwritable: the next Trim reads the sizes again
	}
	if total <= s.max {
		return nil
	}
	sort.Slice(files, func(i, j int) bool { return files[i].mod.Before(files[j].mod) })
	for _, f := range files {
		if total <= s.max {
			break
		}
		if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("state cache: evicting: %w", err)
		}
		total -= f.size
	}
	return nil
}

// removeStaleTemps removes the temporary files among des that writers
// left behind (see staleTemp).
func (s *Store) removeStaleTemps(des []fs.DirEntry) {
	now := s.now()
	for _, de := range des {
		if !strings.HasPrefix(de.Name(), ".tmp-") {
			continue
		}
		if info, err := de.Info(); err == nil && now.Sub(info.ModTime()) > staleTemp {
			_ = os.Remove(filepath.Join(s.dir, de.Name()))
		}
	}
}
