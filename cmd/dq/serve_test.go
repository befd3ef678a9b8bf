package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/cmd/internal/scheduler"
	"github.com/dqlabs/dq/cmd/internal/web"
)

// serveFixture writes a dq.yaml over the retail test data in a temp dir.
func serveFixture(t *testing.T, schedule string) string {
	t.Helper()
	dir := t.TempDir()
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	rules := `Rules = [
  RowCount > 10,
  IsComplete "customerNumber",
  ColumnValues "status" in ["Shipped", "Cancelled"],
  ReferentialIntegrity "customerNumber" "customers.customerNumber" >= 0.9
]
`
	if err := os.WriteFile(filepath.Join(dir, "orders.dqdl"), []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := `server:
  history: history.duckdb
  gracePeriod: 20s
checks:
  - name: orders
    ruleset: orders.dqdl
    dataset: ` + abs("../../testdata/retail/orders.parquet") + `
    schedule: ` + schedule + `
    refs: {customers: ` + abs("../../testdata/retail/customers.parquet") + `}
    labels: {team: sales}
`
	p := filepath.Join(dir, "dq.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// startServe runs dq serve's server (scheduler, history, handler) on an
// httptest listener.
func startServe(t *testing.T, cfgPath, token string) (*server, *httptest.Server) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := &ServeCmd{Config: cfgPath, Listen: "127.0.0.1:0"}
	s, err := newServer(ctx, cmd, newLogger(io.Discard, "text", "info"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.sched.Run(ctx); close(done) }()
	ts := httptest.NewServer(s.handler(token))
	t.Cleanup(func() {
		ts.Close()
		cancel()
		<-done
		s.sched.Shutdown(30 * time.Second)
		if st, err := s.historyStore(); err == nil {
			st.Close()
		}
	})
	return s, ts
}

// waitRuns polls until the check has n finished runs.
func waitRuns(t *testing.T, s *server, name string, n int) []scheduler.Run {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		cs, _ := s.sched.CheckByName(name)
		if len(cs.Runs) >= n {
			return cs.Runs
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("check %s did not reach %d runs", name, n)
	return nil
}

func TestServeRunNowAPIAndMetrics(t *testing.T) {
	s, ts := startServe(t, serveFixture(t, "cron(0 6 * * ? *)"), "")
	res, err := http.Post(ts.URL+"/api/checks/orders/run", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var started map[string]string
	json.NewDecoder(res.Body).Decode(&started)
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted || started["id"] == "" {
		t.Fatalf("run now: %d %v", res.StatusCode, started)
	}
	runs := waitRuns(t, s, "orders", 1)
	r := runs[0]
	// 99 of 100 orders have a customerNumber: IsComplete fails, 3 of 4 pass.
	if r.Status != scheduler.Failed || r.ExitCode != 1 || r.Score == nil || *r.Score != 0.75 || r.Trigger != scheduler.Manual {
		t.Fatalf("run = %+v", r)
	}

	get := func(path string) (int, string, http.Header) {
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	code, body, _ := get("/api/checks/orders/runs")
	var apiRuns []web.RunJSON
	if err := json.Unmarshal([]byte(body), &apiRuns); err != nil || code != 200 || len(apiRuns) != 1 || apiRuns[0].Result == nil || len(apiRuns[0].Result.RuleResults) != 4 {
		t.Fatalf("runs API: %d %v %s", code, err, body)
	}
	code, body, _ = get("/api/checks")
	if code != 200 || !strings.Contains(body, `"status": "failed"`) || !strings.Contains(body, `"score": 0.75`) || !strings.Contains(body, `"team": "sales"`) {
		t.Errorf("checks API: %s", body)
	}
	// The scheduler stores a run before it reports it to the metrics
	// (OnRun), so the metrics may lag the run list by a moment.
	wantMetrics := []string{
		`dq_check_runs_total{check="orders",outcome="failed"} 1`,
		`dq_check_last_score{check="orders"} 0.75`,
		`dq_check_rows_scanned_total{check="orders"} 100`,
		`dq_check_run_duration_seconds_count{check="orders"} 1`,
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, body, _ = get("/metrics")
		all := true
		for _, want := range wantMetrics {
			all = all && strings.Contains(body, want)
		}
		if all || time.Now().After(deadline) {
			break
		}
	}
	for _, want := range wantMetrics {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	code, body, hdr := get("/checks/orders")
	if code != 200 || !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("check page: %d %v", code, hdr)
	}
	for _, want := range []string{`<svg class="spark"`, `aria-label="Score over the last 1 runs`, `IsComplete &#34;customerNumber&#34;`, `<ol class="strip"`, `Dataset.*.RowCount`} {
		if !strings.Contains(body, want) {
			t.Errorf("check page lacks %s", want)
		}
	}
	// The run is in memory and in the store: one cell per rule, not two;
	// the failing rule shows how many rows failed (the one order without a
	// customerNumber; IsComplete's offending value is always NULL, so the
	// engine lists none).
	if n := strings.Count(body, `<li class="`); n != 4 || strings.Count(body, `<li class="FAIL"`) != 1 {
		t.Errorf("%d strip cells, want 4 (one run of 4 rules)", n)
	}
	if !strings.Contains(body, `<div class="msg details"><p>1 of 100 rows failed</p></div>`) {
		t.Errorf("check page lacks the failing-value sample:\n%s", body)
	}
	if code, _, _ := get("/checks/..%2f..%2fetc"); code != 400 && code != 404 {
		t.Errorf("bad name: %d", code)
	}
	if code, _, _ := get("/checks/nope"); code != 404 {
		t.Errorf("unknown check: %d", code)
	}
	if code, body, _ := get("/readyz"); code != 200 {
		t.Errorf("readyz: %d %s", code, body)
	}
	// The run was recorded in the history store, so a fresh server (a new
	// container) sees it: catch-up does not re-run it, the page charts it.
	st, _ := s.historyStore()
	last, ok := s.lastRun(context.Background(), s.sched.Config().Check("orders"))
	if !ok || last.Before(r.Started.Add(-time.Second)) {
		t.Errorf("last recorded run %s %v", last, ok)
	}
	_ = st
}

func TestServeTokenAndReload(t *testing.T) {
	cfg := serveFixture(t, "rate(1 hour)")
	s, ts := startServe(t, cfg, "s3cret")
	post := func(path, auth string, form url.Values) int {
		req, _ := http.NewRequest("POST", ts.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if c := post("/-/reload", "", nil); c != 401 {
		t.Errorf("reload without token: %d", c)
	}
	if c := post("/-/reload", "wrong", nil); c != 401 {
		t.Errorf("reload with a wrong token: %d", c)
	}
	if c := post("/-/reload", "s3cret", nil); c != 200 {
		t.Errorf("reload: %d", c)
	}
	// A broken config is rejected and the old one keeps running.
	good, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(good), "rate(1 hour)", "rate(1 hours)", 1)), 0o644)
	if c := post("/-/reload", "s3cret", nil); c != 422 {
		t.Errorf("bad reload: %d", c)
	}
	if got := s.sched.Config().Check("orders").Schedule; got != "rate(1 hour)" {
		t.Errorf("schedule after a rejected reload = %s", got)
	}
	// A ruleset that does not parse is a bad config too.
	os.WriteFile(cfg, good, 0o644)
	os.WriteFile(filepath.Join(filepath.Dir(cfg), "orders.dqdl"), []byte("Rules = [ RowCont > 1 ]"), 0o644)
	if c := post("/-/reload", "s3cret", nil); c != 422 {
		t.Errorf("reload with a broken ruleset: %d", c)
	}
	// The run-now form sends the token as a field.
	if c := post("/checks/orders/run", "", url.Values{"token": {"s3cret"}}); c != http.StatusSeeOther {
		t.Errorf("run now form: %d", c)
	}
	waitRuns(t, s, "orders", 1)
	if c := post("/checks/orders/run", "", url.Values{"token": {"nope"}}); c != 401 {
		t.Errorf("run now with a wrong token: %d", c)
	}
	// A cross-site form post is refused even with loopback and no token.
	req, _ := http.NewRequest("POST", ts.URL+"/checks/orders/run", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Authorization", "Bearer s3cret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post: %d", res.StatusCode)
	}
}

func TestServeRefusesPublicAddressWithoutToken(t *testing.T) {
	t.Setenv(tokenEnv, "")
	var stderr strings.Builder
	code := run(context.Background(), []string{"serve", "--config", serveFixture(t, "rate(1 hour)"), "--listen", "0.0.0.0:0"}, strings.NewReader(""), io.Discard, &stderr)
	if code != exitInvalid || !strings.Contains(stderr.String(), "DQ_SERVE_TOKEN") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

func TestRunCommand(t *testing.T) {
	cfg := serveFixture(t, "rate(1 hour)")
	var stdout, stderr strings.Builder
	code := run(context.Background(), []string{"run", "--config", cfg, "--format", "json"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitFailed || !strings.Contains(stdout.String(), `"Score": 0.75`) {
		t.Errorf("dq run: exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	code = run(context.Background(), []string{"run", "--config", cfg, "nope"}, strings.NewReader(""), io.Discard, &stderr)
	if code != exitInvalid || !strings.Contains(stderr.String(), `no check "nope"`) {
		t.Errorf("unknown check: exit %d %s", code, stderr.String())
	}
	// The history written by dq run feeds dq report.
	out := filepath.Join(t.TempDir(), "r.html")
	stderr.Reset()
	code = run(context.Background(), []string{"report", "--history", filepath.Join(filepath.Dir(cfg), "history.duckdb"), "--dataset-id", "orders", "-o", out}, strings.NewReader(""), io.Discard, &stderr)
	page, _ := os.ReadFile(out)
	if code != 0 || !strings.Contains(string(page), "Dataset.*.RowCount") || !strings.Contains(string(page), "<svg") {
		t.Errorf("dq report: exit %d %s", code, stderr.String())
	}
	// ... with each rule's outcome from the store: one of four failed.
	if strings.Count(string(page), `<li class="FAIL"`) != 1 || strings.Count(string(page), `<li class="PASS"`) != 3 {
		t.Errorf("dq report lacks the recorded rule outcomes:\n%s", page)
	}
}

// The shipped example config (examples/serve, used by compose.yaml) loads.
func TestServeExampleConfig(t *testing.T) {
	cfg, err := loadChecks("../../examples/serve/dq.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Checks) != 2 || cfg.Server.History != "s3://dq-results/history/" || cfg.Check("orders-morning").Loc.String() != "Europe/Berlin" {
		t.Errorf("example config = %+v", cfg)
	}
}

// dq eval --format html with a history draws each rule's strip from the
// store: the second run's report has two cells per rule, this run's last
// and with its messages.
func TestEvalHTMLReportStrips(t *testing.T) {
	cfg := serveFixture(t, "rate(1 hour)")
	dir := filepath.Dir(cfg)
	out := filepath.Join(t.TempDir(), "r.html")
	for i := range 2 {
		var stderr strings.Builder
		code := run(context.Background(), []string{"eval", "--history", filepath.Join(dir, "history.duckdb"), "--dataset-id", "orders", "--format", "html", "-o", out,
			"--ref", "customers=../../testdata/retail/customers.parquet", filepath.Join(dir, "orders.dqdl"), "../../testdata/retail/orders.parquet"},
			strings.NewReader(""), io.Discard, &stderr)
		if code != exitFailed {
			t.Fatalf("dq eval %d: exit %d %s", i, code, stderr.String())
		}
	}
	page, _ := os.ReadFile(out)
	if n := strings.Count(string(page), `<li class="`); n != 8 || strings.Count(string(page), `<li class="FAIL"`) != 2 ||
		!strings.Contains(string(page), `aria-label="Rule_1 outcomes: 2 runs, 2 fail"`) || !strings.Contains(string(page), "1 of 100 rows failed") {
		t.Errorf("report of the second run has %d strip cells, want 8:\n%s", n, page)
	}
}
