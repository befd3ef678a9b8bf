package scheduler

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dqlabs/dq/cmd/internal/checkconfig"
	"github.com/dqlabs/dq/engine"
)

// config builds a dq.yaml with the given server section and checks
// ("name schedule" each).
func config(t *testing.T, server string, checks ...string) *checkconfig.File {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "r.dqdl"), []byte("Rules = [ RowCount > 0 ]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if server != "" {
		b.WriteString("server:\n" + server + "\n")
	}
	b.WriteString("checks:\n")
	for _, c := range checks {
		name, sched, _ := strings.Cut(c, " ")
		fmt.Fprintf(&b, "  - name: %s\n    ruleset: r.dqdl\n    dataset: d\n    schedule: %s\n", name, sched)
	}
	f, err := checkconfig.Parse(filepath.Join(dir, "dq.yaml"), []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// harness runs a scheduler on a fake clock with a runner whose runs block
// until released.
type harness struct {
	t       *testing.T
	clock   *FakeClock
	s       *Scheduler
	runs    chan Run
	started chan Request
	release chan Outcome
	cancel  context.CancelFunc
	done    chan struct{}
	active  atomic.Int32
	maxSeen atomic.Int32
}

func newHarness(t *testing.T, start time.Time, cfg *checkconfig.File, mod func(*Options)) *harness {
	h := &harness{t: t, clock: NewFakeClock(start), runs: make(chan Run, 100), started: make(chan Request, 100), release: make(chan Outcome)}
	opts := Options{
		Clock: h.clock,
		Runner: func(ctx context.Context, req Request) Outcome {
			n := h.active.Add(1)
			defer h.active.Add(-1)
			for {
				m := h.maxSeen.Load()
				if n <= m || h.maxSeen.CompareAndSwap(m, n) {
					break
				}
			}
			h.started <- req
			select {
			case out := <-h.release:
				return out
			case <-ctx.Done():
				return Outcome{ExitCode: 2, Err: errors.New("interrupted")}
			}
		},
		OnRun: func(r Run) { h.runs <- r },
	}
	if mod != nil {
		mod(&opts)
	}
	h.s = New(opts)
	h.s.Load(context.Background(), cfg)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan struct{})
	go func() { h.s.Run(ctx); close(h.done) }()
	t.Cleanup(func() {
		h.cancel()
		<-h.done
		go func() {
			for range h.release {
			}
		}()
		h.s.Shutdown(0)
	})
	return h
}

// advance moves the fake clock once the scheduler waits on it.
func (h *harness) advance(to time.Time) {
	h.t.Helper()
	if !h.clock.WaitForWaiters(1, 5*time.Second) {
		h.t.Fatal("the scheduler is not waiting on the clock")
	}
	h.clock.Set(to)
}

func (h *harness) nextStart() Request {
	h.t.Helper()
	select {
	case r := <-h.started:
		return r
	case <-time.After(5 * time.Second):
		h.t.Fatal("no run started")
	}
	return Request{}
}

func (h *harness) nextRun() Run {
	h.t.Helper()
	select {
	case r := <-h.runs:
		return r
	case <-time.After(5 * time.Second):
		h.t.Fatal("no run finished")
	}
	return Run{}
}

func (h *harness) noStart() {
	h.t.Helper()
	select {
	case r := <-h.started:
		h.t.Fatalf("unexpected run %+v", r)
	case <-time.After(50 * time.Millisecond):
	}
}

var t0 = time.Date(2025, 1, 1, 0, 0, 30, 0, time.UTC)

func passed() Outcome {
	score := 1.0
	return Outcome{ExitCode: 0, Result: &engine.Result{Score: &score}}
}

func TestRunsOnScheduleAndSkipsOverlap(t *testing.T) {
	h := newHarness(t, t0, config(t, "", "a rate(1 minute)"), nil)
	h.advance(t0.Add(30 * time.Second)) // 00:01:00
	req := h.nextStart()
	if want := time.Date(2025, 1, 1, 0, 1, 0, 0, time.UTC); !req.Date.Equal(want) || req.Trigger != OnSchedule {
		t.Fatalf("first run = %+v, want date %s", req, want)
	}
	if !req.Prev.Equal(req.Date.Add(-time.Minute)) {
		t.Errorf("prev = %s", req.Prev)
	}
	// Still running at 00:02: that run is skipped and recorded.
	h.advance(t0.Add(90 * time.Second))
	skipped := h.nextRun()
	if skipped.Status != Skipped || !skipped.Date.Equal(req.Date.Add(time.Minute)) {
		t.Fatalf("second run = %+v, want skipped at 00:02", skipped)
	}
	h.release <- passed()
	first := h.nextRun()
	if first.Status != Passed || first.ID != req.ID || first.Score == nil || *first.Score != 1 {
		t.Fatalf("first run finished as %+v", first)
	}
	// 00:03 runs again.
	h.advance(t0.Add(150 * time.Second))
	if r := h.nextStart(); !r.Date.Equal(req.Date.Add(2 * time.Minute)) {
		t.Fatalf("third run date %s", r.Date)
	}
	h.release <- Outcome{ExitCode: 1, Result: &engine.Result{}}
	if r := h.nextRun(); r.Status != Failed {
		t.Fatalf("third run %+v", r)
	}
	cs, _ := h.s.CheckByName("a")
	var got []Status
	for _, r := range cs.Runs {
		got = append(got, r.Status)
	}
	if fmt.Sprint(got) != "[skipped passed failed]" {
		t.Errorf("recorded runs = %v", got)
	}
	if want := time.Date(2025, 1, 1, 0, 4, 0, 0, time.UTC); !cs.Next.Equal(want) {
		t.Errorf("next = %s, want %s", cs.Next, want)
	}
}

func TestCatchUpAtMostOnce(t *testing.T) {
	now := time.Date(2025, 1, 10, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		last    time.Time
		ok      bool
		catchUp bool
	}{
		{"down three days", now.AddDate(0, 0, -3), true, true},
		{"ran after 06:00", time.Date(2025, 1, 10, 6, 0, 5, 0, time.UTC), true, false},
		{"never ran", time.Time{}, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, now, config(t, "", "daily cron(0 6 * * ? *)"), func(o *Options) {
				o.LastRun = func(context.Context, *checkconfig.Check) (time.Time, bool) { return c.last, c.ok }
			})
			if !c.catchUp {
				h.noStart()
				return
			}
			req := h.nextStart()
			if req.Trigger != CatchUp || !req.Date.Equal(time.Date(2025, 1, 10, 6, 0, 0, 0, time.UTC)) {
				t.Fatalf("catch-up run = %+v", req)
			}
			h.release <- passed()
			if r := h.nextRun(); r.Trigger != CatchUp || r.Status != Passed {
				t.Fatalf("catch-up finished as %+v", r)
			}
			// Only one: nothing more until tomorrow 06:00.
			h.noStart()
			h.advance(time.Date(2025, 1, 11, 6, 0, 0, 0, time.UTC))
			if r := h.nextStart(); r.Trigger != OnSchedule || !r.Date.Equal(time.Date(2025, 1, 11, 6, 0, 0, 0, time.UTC)) {
				t.Fatalf("next run = %+v", r)
			}
			h.release <- passed()
			h.nextRun()
		})
	}
	// catchUp: false turns it off.
	h := newHarness(t, now, config(t, "  catchUp: false", "daily cron(0 6 * * ? *)"), func(o *Options) {
		o.LastRun = func(context.Context, *checkconfig.Check) (time.Time, bool) { return now.AddDate(0, 0, -3), true }
	})
	h.noStart()
}

func TestConcurrencyLimitAndJitter(t *testing.T) {
	cfg := config(t, "  maxConcurrentRuns: 2\n  jitter: 10s", "a rate(1 minute)", "b rate(1 minute)", "c rate(1 minute)")
	h := newHarness(t, t0, cfg, func(o *Options) {
		o.Jitter = func(max time.Duration) time.Duration {
			if max != 10*time.Second {
				t.Errorf("jitter max = %s", max)
			}
			return 7 * time.Second
		}
	})
	due := time.Date(2025, 1, 1, 0, 1, 0, 0, time.UTC)
	h.advance(due) // jitter holds them back
	h.noStart()
	h.advance(due.Add(7 * time.Second))
	a, b := h.nextStart(), h.nextStart()
	h.noStart() // the third waits for a slot
	if !a.Date.Equal(due) || !b.Date.Equal(due) {
		t.Errorf("dates %s %s, want the scheduled time %s, not the jittered one", a.Date, b.Date, due)
	}
	h.release <- passed()
	h.nextRun()
	h.nextStart()
	h.release <- passed()
	h.release <- passed()
	h.nextRun()
	h.nextRun()
	if m := h.maxSeen.Load(); m != 2 {
		t.Errorf("at most %d ran at once, want 2", m)
	}
}

func TestManualTrigger(t *testing.T) {
	h := newHarness(t, t0, config(t, "", "a cron(0 6 * * ? *)"), nil)
	id, err := h.s.Trigger("a")
	if err != nil {
		t.Fatal(err)
	}
	req := h.nextStart()
	if req.ID != id || req.Trigger != Manual || !req.Date.Equal(t0) {
		t.Fatalf("manual run %+v", req)
	}
	if _, err := h.s.Trigger("a"); !errors.Is(err, ErrRunning) {
		t.Errorf("second trigger: %v", err)
	}
	if _, err := h.s.Trigger("nope"); !errors.Is(err, ErrUnknownCheck) {
		t.Errorf("unknown: %v", err)
	}
	h.release <- passed()
	if r := h.nextRun(); r.ID != id || r.Status != Passed {
		t.Fatalf("%+v", r)
	}
}

func TestReload(t *testing.T) {
	h := newHarness(t, t0, config(t, "", "a rate(1 minute)", "b rate(1 minute)"), nil)
	h.clock.WaitForWaiters(1, time.Second)
	h.s.Load(context.Background(), config(t, "", "b rate(1 minute)", "c cron(0 6 * * ? *)"))
	h.advance(t0.Add(30 * time.Second))
	if r := h.nextStart(); r.Check.Name != "b" {
		t.Fatalf("ran %s after reload", r.Check.Name)
	}
	h.noStart()
	h.release <- passed()
	h.nextRun()
	var names []string
	for _, cs := range h.s.Status() {
		names = append(names, cs.Check.Name)
	}
	if fmt.Sprint(names) != "[b c]" {
		t.Errorf("checks after reload = %v", names)
	}
}

// A run in flight at shutdown either finishes within the grace period and
// is recorded, or is cancelled and recorded nowhere: the runner commits its
// record only when its context is still live at the end, as dq eval does.
func TestShutdownWithRunInFlight(t *testing.T) {
	for _, finish := range []bool{true, false} {
		t.Run(fmt.Sprintf("finishes=%v", finish), func(t *testing.T) {
			clock := NewFakeClock(t0)
			var mu sync.Mutex
			recorded := map[string]bool{}
			inFlight := make(chan struct{})
			proceed := make(chan struct{})
			cfg := config(t, "", "a rate(1 minute)")
			s := New(Options{Clock: clock, Runner: func(ctx context.Context, req Request) Outcome {
				close(inFlight)
				select {
				case <-proceed:
				case <-ctx.Done():
					return Outcome{ExitCode: 2, Err: errors.New("interrupted")}
				}
				mu.Lock()
				recorded[req.ID] = true
				mu.Unlock()
				return passed()
			}})
			s.Load(context.Background(), cfg)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { s.Run(ctx); close(done) }()
			clock.WaitForWaiters(1, 5*time.Second)
			id, _ := s.Trigger("a")
			<-inFlight
			cancel() // SIGTERM: stop scheduling
			<-done
			res := make(chan bool)
			go func() { res <- s.Shutdown(30 * time.Second) }()
			// Shutdown waits on the grace timer (the scheduler's timer is gone).
			clock.WaitForWaiters(1, 5*time.Second)
			if finish {
				close(proceed)
			} else {
				clock.Advance(31 * time.Second)
			}
			if got := <-res; got != finish {
				t.Errorf("Shutdown = %v", got)
			}
			cs, _ := s.CheckByName("a")
			if len(cs.Runs) != 1 || cs.Runs[0].ID != id {
				t.Fatalf("runs = %+v", cs.Runs)
			}
			r := cs.Runs[0]
			mu.Lock()
			rec := recorded[id]
			mu.Unlock()
			if finish && (r.Status != Passed || !rec) {
				t.Errorf("finished run: status %s recorded %v", r.Status, rec)
			}
			if !finish && (r.Status != Cancelled || rec) {
				t.Errorf("cancelled run: status %s recorded %v", r.Status, rec)
			}
			if _, err := s.Trigger("a"); !errors.Is(err, ErrStopped) {
				t.Errorf("trigger after shutdown: %v", err)
			}
		})
	}
}

// A scheduler that wakes late records the due times it missed as skipped.
func TestLateWakeRecordsSkipped(t *testing.T) {
	h := newHarness(t, t0, config(t, "", "a rate(1 minute)"), nil)
	h.advance(t0.Add(3*time.Minute + 30*time.Second)) // 00:04:00; 00:01-00:03 passed unseen
	var skipped []string
	for i := 0; i < 3; i++ {
		r := h.nextRun()
		if r.Status != Skipped {
			t.Fatalf("run %+v", r)
		}
		skipped = append(skipped, r.Date.Format("15:04"))
	}
	req := h.nextStart()
	if !req.Date.Equal(time.Date(2025, 1, 1, 0, 4, 0, 0, time.UTC)) || fmt.Sprint(skipped) != "[00:01 00:02 00:03]" {
		t.Errorf("ran %s, skipped %v", req.Date.Format("15:04"), skipped)
	}
	h.release <- passed()
	h.nextRun()
}
