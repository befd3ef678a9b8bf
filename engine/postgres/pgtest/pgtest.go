// Package pgtest starts a private PostgreSQL cluster for a package's tests:
// initdb into a temporary directory, postgres on a free loopback port with
// its unix socket in that directory, stopped and removed when the tests
// end. One cluster serves a whole test binary (TestMain); each test gets
// its own database.
//
// The server binaries come from Debian's postgresql-15 package
// (/usr/lib/postgresql/<version>/bin) or PATH. Without them tests skip
// with a message saying how to install them, except under CI=true, where
// a missing PostgreSQL fails the run: CI must test the real thing.
//
// initdb and postgres refuse to run as root, so when the tests run as root
// the cluster runs as the "postgres" OS user (which the Debian package
// creates), through the child process's credentials; no su/sudo needed.
package pgtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is a running private PostgreSQL server.
type Cluster struct {
	// Host and Port are where it listens on TCP (127.0.0.1).
	Host string
	Port int
	// User is the superuser; Password its password, which TCP
	// connections must present (scram-sha-256), so tests exercise real
	// password authentication. Unix-socket connections are trusted.
	User     string
	Password string
	// SocketDir holds the unix socket.
	SocketDir string
	// Version is the server's major version, e.g. 15.
	Version int
	// RootCert is the PEM file of the self-signed certificate the server
	// presents for TLS (for 127.0.0.1), to pass as sslrootcert.
	RootCert string

	dir  string
	proc *exec.Cmd
	done chan error
}

// Shared is the cluster of one test binary. Declare one per package,
// start it from TestMain with Run, and get it in tests with Cluster.
type Shared struct {
	c      *Cluster
	reason string // why there is no cluster
	failed bool   // the reason is a failure, not a skip
}

// Run starts the cluster (when the binaries exist), runs the tests and
// stops it. Use it as os.Exit(shared.Run(m)).
func (s *Shared) Run(m *testing.M) int {
	bin, err := FindBin()
	switch {
	case err != nil && os.Getenv("CI") == "true":
		s.reason, s.failed = err.Error()+" (CI=true: PostgreSQL tests must run; .ci/run installs postgresql-15)", true
	case err != nil:
		s.reason = err.Error()
	default:
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		s.c, err = Start(ctx, bin)
		cancel()
		if err != nil {
			s.reason, s.failed = "starting PostgreSQL: "+err.Error(), true
		}
	}
	code := m.Run()
	if s.c != nil {
		if err := s.c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: stopping PostgreSQL:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// Cluster returns the running cluster, or skips t (fails it under CI,
// or when the binaries exist but the server did not start).
func (s *Shared) Cluster(t testing.TB) *Cluster {
	t.Helper()
	if s.c == nil {
		if s.failed {
			t.Fatal(s.reason)
		}
		if s.reason == "" {
			t.Fatal("pgtest: Shared.Run was not called from TestMain")
		}
		t.Skip(s.reason)
	}
	return s.c
}

// StartT starts a private cluster for one test (or a group of subtests),
// stopped when t ends, and sets PGPASSWORD for it. It skips t when the
// binaries are absent, and fails it under CI=true, where .ci/run installs
// them. Prefer Shared when a package's tests can share one cluster.
func StartT(t testing.TB) *Cluster {
	t.Helper()
	bin, err := FindBin()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := Start(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	t.Setenv("PGPASSWORD", c.Password)
	return c
}

// FindBin returns the directory holding initdb and postgres: the newest
// /usr/lib/postgresql/<version>/bin, else the directory of initdb on PATH.
func FindBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		d := filepath.Dir(p)
		if isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin or PATH; install them with: apt-get install postgresql-15")
}

func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// Start initialises and starts a cluster with the binaries in bin. Stop it
// with Stop, which also removes its directory.
func Start(ctx context.Context, bin string) (c *Cluster, err error) {
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "dq-pgtest-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	// The cluster's user must reach its directory; nothing in it is secret
	// beyond the throwaway password.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	sock := filepath.Join(dir, "sock")
	for _, d := range []string{data, sock} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, err
		}
		if cred != nil {
			if err := os.Chown(d, int(cred.Uid), int(cred.Gid)); err != nil {
				return nil, err
			}
		}
	}
	var pw [12]byte
	rand.Read(pw[:])
	c = &Cluster{Host: "127.0.0.1", User: "dq", Password: hex.EncodeToString(pw[:]), SocketDir: sock, dir: dir}
	pwfile := filepath.Join(dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(c.Password+"\n"), 0o644); err != nil {
		return nil, err
	}
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", c.User,
		"--pwfile", pwfile, "--auth-local=trust", "--auth-host=scram-sha-256",
		"--encoding=UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Env = append(os.Environ(), "LC_ALL=C")
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	os.Remove(pwfile)
	if err := c.writeCert(cred); err != nil {
		return nil, err
	}
	if c.Version, err = readVersion(data); err != nil {
		return nil, err
	}

	// A free port: the kernel picks one, we release it and hand it to
	// postgres; retried when another process takes it in between.
	for attempt := 0; attempt < 5; attempt++ {
		c.Port, err = freePort()
		if err != nil {
			return nil, err
		}
		err = c.startServer(ctx, bin, data, cred)
		if err == nil {
			return c, nil
		}
		if !strings.Contains(err.Error(), "Address already in use") {
			return nil, err
		}
	}
	return nil, err
}

func (c *Cluster) startServer(ctx context.Context, bin, data string, cred *syscall.Credential) error {
	logPath := filepath.Join(c.dir, "postgres.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	// The postgres process is not tied to ctx (which bounds only the
	// start); Pdeathsig stops it if the test binary dies without Stop.
	p := exec.Command(filepath.Join(bin, "postgres"), "-D", data,
		"-p", strconv.Itoa(c.Port), "-k", c.SocketDir,
		"-c", "listen_addresses="+c.Host,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "shared_buffers=64MB", "-c", "max_connections=40",
		"-c", "logging_collector=off",
		"-c", "ssl=on", "-c", "ssl_cert_file="+c.RootCert, "-c", "ssl_key_file="+filepath.Join(c.dir, "server.key"))
	p.Stdout, p.Stderr = logf, logf
	p.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := p.Start(); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	c.proc = p
	c.done = make(chan error, 1)
	go func() { c.done <- p.Wait() }()

	for {
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case werr := <-c.done:
			c.proc = nil
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("postgres exited (%v) before accepting connections:\n%s", werr, log)
		case <-ctx.Done():
			c.stopServer()
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("postgres did not accept connections: %v\n%s", err, log)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop shuts the server down (fast shutdown: open sessions are ended) and
// removes the cluster's directory.
func (c *Cluster) Stop() error {
	err := c.stopServer()
	if rerr := os.RemoveAll(c.dir); err == nil {
		err = rerr
	}
	return err
}

func (c *Cluster) stopServer() error {
	if c.proc == nil {
		return nil
	}
	c.proc.Process.Signal(syscall.SIGINT) // fast shutdown
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		c.proc.Process.Signal(syscall.SIGQUIT)
		<-c.done
	}
	c.proc = nil
	return nil
}

// URL is a connection URL for database db, with the password in it; for
// tests that exercise password sources, build the URL without it.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", c.User, c.Password, c.Host, c.Port, db)
}

// NewDB creates an empty database for t, dropped when t ends, and returns
// its name.
func (c *Cluster) NewDB(t testing.TB) string {
	t.Helper()
	name := "t_" + strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "_"))
	if len(name) > 50 {
		name = name[:50]
	}
	var suffix [4]byte
	rand.Read(suffix[:])
	name += "_" + hex.EncodeToString(suffix[:])
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin, err := pgx.Connect(ctx, c.URL("postgres"))
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Error(err)
		}
	})
	return name
}

// Conn connects to database db as the superuser; closed when t ends.
func (c *Cluster) Conn(t testing.TB, db string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.URL(db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}

// credential is who runs initdb and postgres: nil (this process's user)
// unless that is root, which PostgreSQL refuses; then the postgres user.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, and PostgreSQL refuses to run as root: need the \"postgres\" OS user (created by the postgresql package): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// writeCert makes the server's TLS key and self-signed certificate for
// 127.0.0.1 (PostgreSQL wants the key readable by its user only).
func (c *Cluster) writeCert(cred *syscall.Credential) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "dq pgtest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP(c.Host)},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	c.RootCert = filepath.Join(c.dir, "server.crt")
	if err := os.WriteFile(c.RootCert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return err
	}
	kp := filepath.Join(c.dir, "server.key")
	if err := os.WriteFile(kp, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return err
	}
	if cred != nil {
		return os.Chown(kp, int(cred.Uid), int(cred.Gid))
	}
	return nil
}

func readVersion(data string) (int, error) {
	b, err := os.ReadFile(filepath.Join(data, "PG_VERSION"))
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
