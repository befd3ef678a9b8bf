// Package web is dq serve's HTTP side: the results page (server-rendered
// HTML with inline SVG charts, no JavaScript), the JSON API, health checks
// and Prometheus metrics. The same renderer writes static reports.
package web

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dqlabs/dq/cmd/internal/checkconfig"
	"github.com/dqlabs/dq/cmd/internal/scheduler"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/history"
)

// Options wire the handler to the running server.
type Options struct {
	Sched   *scheduler.Scheduler
	Metrics *Metrics
	// History lists a dataset's recorded runs, newest first, with metrics;
	// nil when there is no history store.
	History func(ctx context.Context, datasetID string, limit int) ([]history.Run, error)
	// Reload re-reads the config; an error leaves the old one running.
	Reload func(ctx context.Context) error
	// Ready reports why the server is not ready (nil = ready).
	Ready func(ctx context.Context) error
	// Token, when set, is required by the mutating endpoints.
	Token  string
	Logger *slog.Logger
	// Now is the page clock; default time.Now.
	Now func() time.Time
}

// runIDRE is what a run id looks like (scheduler.newID). Compiled on first
// use: the repetition makes it ~1k allocations, paid at init by every dq
// process otherwise.
var runIDRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.-]{1,120}$`) })

// historyDepth is how many recorded runs a check page charts.
const historyDepth = 500

// sparkDepth is how many runs an overview sparkline shows.
const sparkDepth = 30

type server struct{ Options }

// IsLoopback reports whether a listen address only accepts local
// connections.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Handler serves everything.
func Handler(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &server{o}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.overview)
	mux.HandleFunc("GET /checks/{name}", s.checkPage)
	mux.HandleFunc("POST /checks/{name}/run", s.mutating(s.runNowForm))
	mux.HandleFunc("POST /api/checks/{name}/run", s.mutating(s.runNowAPI))
	mux.HandleFunc("POST /-/reload", s.mutating(s.reload))
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /api/checks", s.apiChecks)
	mux.HandleFunc("GET /api/checks/{name}/runs", s.apiRuns)
	if o.Metrics != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(o.Metrics.Registry, promhttp.HandlerOpts{}))
	}
	// Browsers must not be able to make a page elsewhere POST here (run
	// now, reload) on a user's behalf.
	cop := http.NewCrossOriginProtection()
	return securityHeaders(cop.Handler(mux))
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", HeaderCSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

// mutating requires the bearer token (header, or the page form's field,
// since a form cannot set headers) when one is configured.
func (s *server) mutating(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.Token != "" {
			got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			if got == "" || got == r.Header.Get("Authorization") {
				got = r.PostFormValue("token")
			}
			if subtle.ConstantTimeCompare([]byte(got), []byte(s.Token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="dq"`)
				http.Error(w, "a valid bearer token is required", http.StatusUnauthorized)
				return
			}
		}
		h(w, r)
	}
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.Ready != nil {
		if err := s.Ready(r.Context()); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	fmt.Fprintln(w, "ok")
}

// lastResult is the newest run with a verdict, and the newest run.
func lastRuns(runs []scheduler.Run) (last, lastEval *scheduler.Run) {
	for i := len(runs) - 1; i >= 0; i-- {
		if last == nil && runs[i].Status != scheduler.Skipped {
			last = &runs[i]
		}
		if lastEval == nil && runs[i].Result != nil {
			lastEval = &runs[i]
		}
	}
	return
}

func statusOf(cs scheduler.CheckStatus) (string, *float64, time.Time) {
	last, _ := lastRuns(cs.Runs)
	if last == nil {
		return "none", nil, time.Time{}
	}
	return string(last.Status), last.Score, last.Finished
}

func (s *server) history(ctx context.Context, c *checkconfig.Check, limit int) []history.Run {
	if s.History == nil {
		return nil
	}
	runs, err := s.History(ctx, c.DatasetID, limit)
	if err != nil {
		s.Logger.Warn("reading the history failed", "check", c.Name, "error", err)
		return nil
	}
	return runs
}

func (s *server) overview(w http.ResponseWriter, r *http.Request) {
	o := Overview{Generated: s.Now()}
	for _, cs := range s.Sched.Status() {
		st, score, last := statusOf(cs)
		o.Checks = append(o.Checks, CheckRow{Name: cs.Check.Name, Schedule: cs.Check.Schedule, Status: st, Score: score,
			LastRun: last, Next: cs.Next, Running: cs.Running, Spark: ScoreSpark(s.history(r.Context(), cs.Check, sparkDepth))})
	}
	s.html(w, func(b *bytes.Buffer) error { return WriteOverview(b, o) })
}

func (s *server) html(w http.ResponseWriter, render func(*bytes.Buffer) error) {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		s.Logger.Error("rendering a page failed", "error", err)
		http.Error(w, "rendering the page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}

// check finds the named check, answering 404 (names are validated before
// any lookup, so nothing but a configured check name is ever used).
func (s *server) check(w http.ResponseWriter, r *http.Request) (scheduler.CheckStatus, bool) {
	name := r.PathValue("name")
	if !checkconfig.ValidName(name) {
		http.Error(w, "invalid check name", http.StatusBadRequest)
		return scheduler.CheckStatus{}, false
	}
	cs, ok := s.Sched.CheckByName(name)
	if !ok {
		http.Error(w, "no such check", http.StatusNotFound)
		return cs, false
	}
	return cs, true
}

func (s *server) checkPage(w http.ResponseWriter, r *http.Request) {
	cs, ok := s.check(w, r)
	if !ok {
		return
	}
	hist := s.history(r.Context(), cs.Check, historyDepth)
	st, score, _ := statusOf(cs)
	p := CheckPage{Name: cs.Check.Name, Dataset: cs.Check.Dataset, Status: st, Score: score, Schedule: cs.Check.Schedule,
		Timezone: cs.Check.Timezone, Next: cs.Next, Running: cs.Running, NeedToken: s.Token != "",
		Spark: ScoreSpark(hist), Rules: RuleRows(WithRecorded(cs.Runs, hist)), Metrics: MetricViews(hist)}
	for i := len(cs.Runs) - 1; i >= 0 && len(p.Runs) < 50; i-- {
		p.Runs = append(p.Runs, cs.Runs[i])
	}
	// The redirect after "run now" names the run; only an id of this
	// check's form is echoed, so a crafted link cannot put text here.
	if id := r.URL.Query().Get("started"); strings.HasPrefix(id, cs.Check.Name+"-") && runIDRE().MatchString(id) {
		p.Flash = "Run " + id + " started; reload the page to see its result."
		for _, run := range cs.Runs {
			if run.ID == id {
				p.Flash = "Run " + id + " finished: " + string(run.Status) + "."
			}
		}
	}
	s.html(w, func(b *bytes.Buffer) error { return WriteCheck(b, p) })
}

func (s *server) trigger(w http.ResponseWriter, r *http.Request) (string, bool) {
	cs, ok := s.check(w, r)
	if !ok {
		return "", false
	}
	id, err := s.Sched.Trigger(cs.Check.Name)
	switch {
	case errors.Is(err, scheduler.ErrRunning):
		http.Error(w, "the check is already running", http.StatusConflict)
		return "", false
	case errors.Is(err, scheduler.ErrStopped):
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return "", false
	case err != nil:
		http.Error(w, err.Error(), http.StatusNotFound)
		return "", false
	}
	s.Logger.Info("manual run requested", "check", cs.Check.Name, "run", id)
	return id, true
}

func (s *server) runNowForm(w http.ResponseWriter, r *http.Request) {
	if id, ok := s.trigger(w, r); ok {
		http.Redirect(w, r, "/checks/"+r.PathValue("name")+"?started="+id, http.StatusSeeOther)
	}
}

func (s *server) runNowAPI(w http.ResponseWriter, r *http.Request) {
	if id, ok := s.trigger(w, r); ok {
		writeJSONStatus(w, http.StatusAccepted, map[string]string{"id": id})
	}
}

func (s *server) reload(w http.ResponseWriter, r *http.Request) {
	if s.Reload == nil {
		http.Error(w, "reload is not available", http.StatusNotImplemented)
		return
	}
	if err := s.Reload(r.Context()); err != nil {
		http.Error(w, "the config was rejected; the previous one keeps running:\n"+err.Error(), http.StatusUnprocessableEntity)
		return
	}
	fmt.Fprintln(w, "reloaded")
}

// CheckJSON is a check in /api/checks.
type CheckJSON struct {
	Name     string            `json:"name"`
	Schedule string            `json:"schedule"`
	Timezone string            `json:"timezone,omitempty"`
	Dataset  string            `json:"dataset"`
	Labels   map[string]string `json:"labels,omitempty"`
	Status   string            `json:"status"`
	Score    *float64          `json:"score"`
	LastRun  *time.Time        `json:"lastRun"`
	NextRun  *time.Time        `json:"nextRun"`
	Running  bool              `json:"running"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *server) apiChecks(w http.ResponseWriter, r *http.Request) {
	out := []CheckJSON{}
	for _, cs := range s.Sched.Status() {
		st, score, last := statusOf(cs)
		out = append(out, CheckJSON{Name: cs.Check.Name, Schedule: cs.Check.Schedule, Timezone: cs.Check.Timezone, Dataset: cs.Check.Dataset,
			Labels: cs.Check.Labels, Status: st, Score: score, LastRun: timePtr(last), NextRun: timePtr(cs.Next), Running: cs.Running})
	}
	writeJSON(w, out)
}

// RunJSON is a run in /api/checks/{name}/runs: the run and, when it has a
// verdict, dq eval's JSON result.
type RunJSON struct {
	scheduler.Run
	DurationSeconds float64        `json:"durationSeconds"`
	Result          *engine.Result `json:"result,omitempty"`
}

func (s *server) apiRuns(w http.ResponseWriter, r *http.Request) {
	cs, ok := s.check(w, r)
	if !ok {
		return
	}
	out := []RunJSON{}
	for i := len(cs.Runs) - 1; i >= 0; i-- {
		run := cs.Runs[i]
		out = append(out, RunJSON{Run: run, DurationSeconds: run.Duration().Seconds(), Result: run.Result})
	}
	writeJSON(w, out)
}

func writeJSON(w http.ResponseWriter, v any) { writeJSONStatus(w, http.StatusOK, v) }

func writeJSONStatus(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
