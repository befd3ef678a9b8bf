package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/dqlabs/dq/cmd/internal/checkconfig"
	"github.com/dqlabs/dq/cmd/internal/scheduler"
	"github.com/dqlabs/dq/cmd/internal/web"
	"github.com/dqlabs/dq/engine/history"
	"github.com/dqlabs/dq/sinks/publish"
)

// tokenEnv names the environment variable holding the bearer token that
// run-now and reload require on a non-loopback address.
const tokenEnv = "DQ_SERVE_TOKEN"

// ServeCmd is `dq serve`.
type ServeCmd struct {
	Config    string `required:"" placeholder:"FILE" env:"DQ_CONFIG" help:"The dq.yaml listing the checks (checks:, server:, publish:)."`
	Listen    string `default:"127.0.0.1:8080" placeholder:"HOST:PORT" help:"Address of the results page, API and metrics. Anything but loopback needs a token in $DQ_SERVE_TOKEN. Default: 127.0.0.1:8080."`
	History   string `placeholder:"PATH|s3://BUCKET/PREFIX/" help:"Metric history store; overrides server.history in the config."`
	LogFormat string `name:"log-format" enum:"text,json" default:"text" placeholder:"text|json" help:"Log lines as text or JSON (one object per line)."`
	LogLevel  string `name:"log-level" enum:"debug,info,warn,error" default:"info" placeholder:"LEVEL" help:"Least severe level logged."`
}

// Run serves until SIGTERM or SIGINT, then stops scheduling, lets running
// checks finish within server.gracePeriod, cancels the rest and exits 0.
func (c *ServeCmd) Run(e *env) error {
	log := newLogger(e.stderr, c.LogFormat, c.LogLevel)
	token := os.Getenv(tokenEnv)
	if !web.IsLoopback(c.Listen) && token == "" {
		return &exitError{code: exitInvalid, err: fmt.Errorf("--listen %s is not a loopback address: set %s to a secret token that run-now and reload will require, or listen on 127.0.0.1", c.Listen, tokenEnv)}
	}
	srv, err := newServer(e.ctx, c, log)
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("--listen: %w", err)}
	}
	return srv.serve(e.ctx, ln, token)
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// server is a running dq serve.
type server struct {
	cmd     *ServeCmd
	log     *slog.Logger
	sched   *scheduler.Scheduler
	metrics *web.Metrics
	// awsHTTP is one connection pool for every run's AWS calls; a client
	// per run would keep a run's idle connections (and their goroutines)
	// open for the SDK's idle timeout.
	awsHTTP *awshttp.BuildableClient

	mu       sync.Mutex
	store    history.Store // nil until it opens
	storeErr error
	stopping bool
}

func (c *ServeCmd) load() (*checkconfig.File, error) {
	cfg, err := loadChecks(c.Config)
	if err != nil {
		return nil, err
	}
	if c.History != "" {
		cfg.Server.History = c.History
	}
	return cfg, nil
}

func newServer(ctx context.Context, c *ServeCmd, log *slog.Logger) (*server, error) {
	cfg, err := c.load()
	if err != nil {
		return nil, err
	}
	s := &server{cmd: c, log: log, metrics: web.NewMetrics(), awsHTTP: awshttp.NewBuildableClient()}
	s.openStore(ctx, cfg)
	s.resendSpools(ctx, cfg)
	s.sched = scheduler.New(scheduler.Options{
		Runner:  s.runCheck,
		LastRun: s.lastRun,
		Logger:  log,
		OnStart: s.metrics.Started,
		OnRun:   s.metrics.Observe,
	})
	s.sched.Load(ctx, cfg)
	log.Info("config loaded", "config", cfg.Path, "checks", len(cfg.Checks), "history", cfg.Server.History)
	return s, nil
}

// openStore opens the history store; until it opens, /readyz says so and
// the page shows no history, but checks still run (dq eval reports the
// store's problem in each run).
func (s *server) openStore(ctx context.Context, cfg *checkconfig.File) {
	st, err := openHistoryStore(ctx, cfg.Server.History, false)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store != nil {
		_ = s.store.Close()
	}
	s.store, s.storeErr = st, err
	if err != nil {
		s.log.Error("the history store does not open", "error", err)
	}
}

func (s *server) historyStore() (history.Store, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store == nil {
		if s.storeErr == nil {
			return nil, errors.New("the history store is not open")
		}
		return nil, s.storeErr
	}
	return s.store, nil
}

func (s *server) lastRun(ctx context.Context, c *checkconfig.Check) (time.Time, bool) {
	st, err := s.historyStore()
	if err != nil {
		return time.Time{}, false
	}
	runs, err := st.Runs(ctx, history.RunQuery{DatasetID: c.DatasetID, Limit: 1})
	if err != nil || len(runs) == 0 {
		return time.Time{}, false
	}
	return runs[0].At, true
}

// resendSpools re-sends results an earlier run could not deliver.
func (s *server) resendSpools(ctx context.Context, cfg *checkconfig.File) {
	dirs := map[string]publish.Config{}
	for _, c := range cfg.Checks {
		p := c.PublishConfig(cfg.Publish)
		if p.Enabled() {
			dirs[p.SpoolDir()] = p
		}
	}
	for dir, p := range dirs {
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		rep, err := publish.Resend(ctx, dir, publish.Config{Timeout: p.Timeout, MaxAttempts: p.MaxAttempts}, publish.Options{})
		if err != nil {
			s.log.Error("re-sending spooled results failed", "spool", dir, "error", err)
			continue
		}
		if len(rep.Delivered)+len(rep.Failed) > 0 {
			s.log.Info("re-sent spooled results", "spool", dir, "delivered", len(rep.Delivered), "still_spooled", len(rep.Failed))
		}
	}
}

// runCheck is the scheduler's Runner: dq eval, with the config in force.
func (s *server) runCheck(ctx context.Context, req scheduler.Request) scheduler.Outcome {
	return evalCheck(ctx, s.sched.Config(), req, io.Discard, io.Discard, "json", s.awsHTTP)
}

// reload re-reads the config; a bad one is rejected and the old one
// keeps running.
func (s *server) reload(ctx context.Context) error {
	cfg, err := s.cmd.load()
	s.metrics.Reloaded(err == nil)
	if err != nil {
		s.log.Error("config rejected; the previous one keeps running", "config", s.cmd.Config, "error", err)
		return err
	}
	if old := s.sched.Config(); old == nil || old.Server.History != cfg.Server.History {
		s.openStore(ctx, cfg)
	}
	s.sched.Load(ctx, cfg)
	s.log.Info("config reloaded", "config", cfg.Path, "checks", len(cfg.Checks))
	return nil
}

func (s *server) ready(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.stopping:
		return errors.New("shutting down")
	case s.store == nil && s.storeErr != nil:
		return fmt.Errorf("history store: %w", s.storeErr)
	case s.store == nil:
		return errors.New("the history store is not open")
	}
	return nil
}

func (s *server) historyRuns(ctx context.Context, datasetID string, limit int) ([]history.Run, error) {
	st, err := s.historyStore()
	if err != nil {
		return nil, err
	}
	return st.Runs(ctx, history.RunQuery{DatasetID: datasetID, Limit: limit, WithMetrics: true})
}

func (s *server) handler(token string) http.Handler {
	return web.Handler(web.Options{
		Sched: s.sched, Metrics: s.metrics, History: s.historyRuns,
		Reload: s.reload, Ready: s.ready, Token: token, Logger: s.log,
	})
}

func (s *server) serve(ctx context.Context, ln net.Listener, token string) error {
	hs := &http.Server{Handler: s.handler(token), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	schedCtx, stopSched := context.WithCancel(ctx)
	defer stopSched()
	schedDone := make(chan struct{})
	go func() { s.sched.Run(schedCtx); close(schedDone) }()

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-hup:
				_ = s.reload(ctx)
			case <-ctx.Done():
				return
			}
		}
	}()

	httpErr := make(chan error, 1)
	go func() { httpErr <- hs.Serve(ln) }()
	s.log.Info("serving", "address", "http://"+ln.Addr().String()+"/")

	select {
	case <-ctx.Done():
	case err := <-httpErr:
		stopSched()
		<-schedDone
		s.sched.Shutdown(0)
		return &exitError{code: exitInvalid, err: fmt.Errorf("the HTTP server stopped: %w", err)}
	}
	// SIGTERM/SIGINT: stop scheduling, drain the runs, then the HTTP side
	// (which keeps answering /livez and the page meanwhile).
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	stopSched()
	<-schedDone
	grace := s.sched.Config().Server.GracePeriod
	s.log.Info("shutting down: waiting for running checks", "grace", grace.String())
	if !s.sched.Shutdown(grace) {
		s.log.Warn("some runs were cancelled at the end of the grace period; they recorded nothing")
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(shutCtx)
	s.mu.Lock()
	if s.store != nil {
		_ = s.store.Close()
	}
	s.mu.Unlock()
	s.log.Info("stopped")
	return nil
}
