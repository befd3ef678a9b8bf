// Package scheduler runs dq serve's checks on their schedules, with the
// policies of a shared server: no overlapping runs of one check (a run due
// while the previous one is still going is recorded as skipped), at most
// one catch-up run after downtime, optional jitter, a global limit on
// concurrent runs, and a graceful shutdown that lets running checks finish
// within a grace period before cancelling them.
//
// The scheduler does not evaluate anything itself: a Runner does, the same
// code path as dq eval.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/dqlabs/dq/cmd/internal/checkconfig"
	"github.com/dqlabs/dq/engine"
)

// Status is a run's outcome.
type Status string

// Statuses. Every due run ends in exactly one of them, so runs can be
// accounted for.
const (
	Passed      Status = "passed"      // every rule passed (exit 0)
	Failed      Status = "failed"      // a rule failed or errored (exit 1)
	Undelivered Status = "undelivered" // evaluated, but a sink did not get it (exit 4; spooled)
	Errored     Status = "error"       // no verdict: the check could not run (exit 2)
	Cancelled   Status = "cancelled"   // stopped by shutdown; nothing recorded
	Skipped     Status = "skipped"     // due while the previous run was still going
)

// Trigger says why a run happened.
type Trigger string

// Triggers.
const (
	OnSchedule Trigger = "schedule"
	CatchUp    Trigger = "catch-up"
	Manual     Trigger = "manual"
)

// Request is one run of a check.
type Request struct {
	ID    string
	Check *checkconfig.Check
	// Date is the logical date (the scheduled time); Prev the schedule's
	// time before it. Dataset templates read both.
	Date, Prev time.Time
	Trigger    Trigger
}

// Outcome is what a Runner reports: dq eval's exit code, the result when
// there is a verdict, and the error when there is not.
type Outcome struct {
	ExitCode int
	Result   *engine.Result
	Err      error
	// Messages is what the run printed on stderr (publish problems, etc.).
	Messages string
}

// Runner evaluates one check. It must honour ctx: when ctx is cancelled
// it returns promptly, having recorded nothing.
type Runner func(ctx context.Context, req Request) Outcome

// Run is a finished (or skipped) run, as the page and the API show it.
type Run struct {
	ID       string         `json:"id"`
	Check    string         `json:"check"`
	Trigger  Trigger        `json:"trigger"`
	Date     time.Time      `json:"date"`
	Started  time.Time      `json:"started,omitempty"`
	Finished time.Time      `json:"finished,omitempty"`
	Status   Status         `json:"status"`
	ExitCode int            `json:"exitCode"`
	Score    *float64       `json:"score,omitempty"`
	Error    string         `json:"error,omitempty"`
	Result   *engine.Result `json:"-"`
}

// Duration is how long the run took.
func (r Run) Duration() time.Duration {
	if r.Started.IsZero() || r.Finished.IsZero() {
		return 0
	}
	return r.Finished.Sub(r.Started)
}

// Options configure a Scheduler.
type Options struct {
	Clock  Clock  // default RealClock
	Runner Runner // required
	// LastRun returns when the check last ran (from the history store), for
	// catch-up; nil or ok=false means never, and a check that never ran is
	// not caught up.
	LastRun func(ctx context.Context, c *checkconfig.Check) (time.Time, bool)
	Logger  *slog.Logger
	// Jitter returns a random duration in [0, max); default math/rand.
	Jitter func(max time.Duration) time.Duration
	// OnRun is called for every finished or skipped run, after it is
	// stored; metrics and logs hang off it.
	OnRun func(Run)
	// OnStart is called when a run starts evaluating.
	OnStart func(Request)
}

// Scheduler runs checks. Create it with New, give it a config with Load,
// then call Run; Shutdown ends it.
type Scheduler struct {
	opts Options

	mu       sync.Mutex
	cfg      *checkconfig.File
	checks   map[string]*state
	sem      chan struct{}
	seq      int
	stopped  bool
	wake     chan struct{}
	runsWG   sync.WaitGroup
	runCtx   context.Context
	stopRuns context.CancelFunc
	stopping chan struct{} // closed by Shutdown
}

// state is one check's place in the schedule and its recent runs.
type state struct {
	check   *checkconfig.Check
	next    time.Time // when to dispatch (the due time plus jitter)
	due     time.Time // the scheduled (logical) time being waited for
	running bool
	catchUp bool  // the pending run makes up for one missed during downtime
	runs    []Run // newest last, at most RunsKept
	started *Request
}

// New returns a scheduler without checks.
func New(opts Options) *Scheduler {
	if opts.Clock == nil {
		opts.Clock = RealClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Jitter == nil {
		opts.Jitter = func(max time.Duration) time.Duration {
			if max <= 0 {
				return 0
			}
			return time.Duration(rand.Int64N(int64(max)))
		}
	}
	// Runs get a context of their own: SIGTERM stops the scheduling, not
	// the runs, which Shutdown cancels only after the grace period.
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{opts: opts, checks: map[string]*state{}, wake: make(chan struct{}, 1), runCtx: ctx, stopRuns: cancel, stopping: make(chan struct{})}
}

// Load installs cfg: checks that are new get scheduled, removed checks
// stop being scheduled (a run in flight finishes), and checks kept by name
// keep their recent runs. On the first Load, catchUp schedules one
// immediate run of each check whose last scheduled time passed since it
// last ran.
func (s *Scheduler) Load(ctx context.Context, cfg *checkconfig.File) {
	now := s.opts.Clock.Now()
	s.mu.Lock()
	first := s.cfg == nil
	s.mu.Unlock()
	// LastRun may read a remote store: not under the lock.
	catchUp := map[string]time.Time{}
	if first && cfg.Server.CatchUpOn() && s.opts.LastRun != nil {
		for _, c := range cfg.Checks {
			last, ok := s.opts.LastRun(ctx, c)
			if !ok {
				continue
			}
			prev := checkconfig.Prev(c.Sched, c.Sched.Next(now))
			if !prev.After(now) && prev.After(last) {
				catchUp[c.Name] = prev
			}
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg == nil || s.cfg.Server.MaxConcurrentRuns != cfg.Server.MaxConcurrentRuns {
		// Runs in flight release the semaphore they took.
		s.sem = make(chan struct{}, cfg.Server.MaxConcurrentRuns)
	}
	old := s.checks
	s.cfg = cfg
	s.checks = make(map[string]*state, len(cfg.Checks))
	for _, c := range cfg.Checks {
		st := &state{check: c}
		if o, ok := old[c.Name]; ok {
			st.runs, st.running, st.started = o.runs, o.running, o.started
			if o.check.Schedule == c.Schedule && o.check.Timezone == c.Timezone {
				st.next, st.due = o.next, o.due
			}
		}
		if at, ok := catchUp[c.Name]; ok {
			st.due, st.next, st.catchUp = at, now, true
			s.opts.Logger.Info("catching up a missed run", "check", c.Name, "scheduled", at)
		}
		if st.due.IsZero() {
			s.plan(st, now)
		}
		s.checks[c.Name] = st
	}
	s.poke()
}

// plan sets the check's next due time after now, with jitter.
func (s *Scheduler) plan(st *state, now time.Time) {
	st.due = st.check.Sched.Next(now)
	st.next = st.due
	if st.due.IsZero() {
		return
	}
	j := s.cfg.Server.Jitter
	// Jitter must not push a run past the next one.
	if every := scheduleEvery(st.check); every > 0 && j > every/2 {
		j = every / 2
	}
	if j > 0 {
		st.next = st.due.Add(s.opts.Jitter(j))
	}
}

func scheduleEvery(c *checkconfig.Check) time.Duration {
	n := c.Sched.Next(time.Unix(0, 0))
	return c.Sched.Next(n).Sub(n)
}

func (s *Scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run dispatches checks until ctx is cancelled. It returns at once then;
// call Shutdown to wait for the runs in flight.
func (s *Scheduler) Run(ctx context.Context) {
	for {
		s.mu.Lock()
		var earliest time.Time
		for _, st := range s.checks {
			if !st.next.IsZero() && (earliest.IsZero() || st.next.Before(earliest)) {
				earliest = st.next
			}
		}
		s.mu.Unlock()
		var timer <-chan time.Time
		stop := func() {}
		if !earliest.IsZero() {
			timer, stop = s.opts.Clock.After(earliest.Sub(s.opts.Clock.Now()))
		}
		select {
		case <-ctx.Done():
			stop()
			return
		case <-timer:
		case <-s.wake:
		}
		stop()
		s.dispatchDue()
	}
}

func (s *Scheduler) dispatchDue() {
	now := s.opts.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	names := make([]string, 0, len(s.checks))
	for n := range s.checks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		st := s.checks[n]
		if st.next.IsZero() || st.next.After(now) {
			continue
		}
		trigger := OnSchedule
		if st.catchUp {
			trigger, st.catchUp = CatchUp, false
		}
		// Due times that passed while the scheduler was late (a busy
		// machine, a suspended VM) are recorded as skipped, so every due
		// run is accounted for, and the latest one runs: it reads the
		// freshest data. (A long gap at start is downtime: catch-up.)
		if trigger != CatchUp {
			for n := 0; n < maxLate; n++ {
				next := st.check.Sched.Next(st.due)
				if next.IsZero() || next.After(now) {
					break
				}
				s.skip(st, Request{Check: st.check, Date: st.due, Trigger: OnSchedule}, now, "the scheduler was late")
				st.due = next
			}
		}
		req := Request{Check: st.check, Date: st.due, Prev: checkconfig.Prev(st.check.Sched, st.due), Trigger: trigger}
		if st.running {
			s.skip(st, req, now, "the previous run was still going")
		} else {
			s.start(st, req)
		}
		s.plan(st, now)
	}
}

// maxLate bounds the late runs recorded as skipped at once.
const maxLate = 100

func (s *Scheduler) newID(check string, now time.Time) string {
	s.seq++
	return fmt.Sprintf("%s-%s-%d", check, now.UTC().Format("20060102T150405"), s.seq)
}

// skip records a run that was due while the previous one was running.
// Called with s.mu held.
func (s *Scheduler) skip(st *state, req Request, now time.Time, why string) {
	r := Run{ID: s.newID(st.check.Name, now), Check: st.check.Name, Trigger: req.Trigger, Date: req.Date, Started: now, Finished: now, Status: Skipped,
		Error: why}
	s.store(st, r)
	s.opts.Logger.Warn("run skipped", "check", st.check.Name, "scheduled", req.Date, "reason", why)
	if s.opts.OnRun != nil {
		s.opts.OnRun(r)
	}
}

// ErrRunning is returned by Trigger when the check is already running.
var ErrRunning = errors.New("the check is already running")

// ErrUnknownCheck is returned by Trigger for a name not in the config.
var ErrUnknownCheck = errors.New("no such check")

// ErrStopped is returned by Trigger during shutdown.
var ErrStopped = errors.New("the server is shutting down")

// Trigger starts a manual run of the named check now and returns its id.
func (s *Scheduler) Trigger(name string) (string, error) {
	now := s.opts.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return "", ErrStopped
	}
	st, ok := s.checks[name]
	if !ok {
		return "", ErrUnknownCheck
	}
	if st.running {
		return "", ErrRunning
	}
	req := Request{Check: st.check, Date: now, Prev: checkconfig.Prev(st.check.Sched, now), Trigger: Manual}
	return s.start(st, req), nil
}

// start launches a run. Called with s.mu held.
func (s *Scheduler) start(st *state, req Request) string {
	req.ID = s.newID(st.check.Name, s.opts.Clock.Now())
	st.running = true
	st.started = &req
	sem := s.sem
	s.runsWG.Add(1)
	go func() {
		defer s.runsWG.Done()
		r := Run{ID: req.ID, Check: req.Check.Name, Trigger: req.Trigger, Date: req.Date}
		// A run still waiting for a slot at shutdown never starts.
		acquired := false
		select {
		case sem <- struct{}{}:
			acquired = true
			select {
			case <-s.stopping:
				<-sem
				acquired = false
			default:
			}
		case <-s.stopping:
		case <-s.runCtx.Done():
		}
		if acquired {
			defer func() { <-sem }()
			r.Started = s.opts.Clock.Now()
			if s.opts.OnStart != nil {
				s.opts.OnStart(req)
			}
			out := s.opts.Runner(s.runCtx, req)
			r.Finished = s.opts.Clock.Now()
			r.ExitCode = out.ExitCode
			r.Result = out.Result
			if out.Result != nil {
				r.Score = out.Result.Score
			}
			r.Status = status(out)
			if s.runCtx.Err() != nil && out.Result == nil {
				r.Status = Cancelled
			}
			if out.Err != nil {
				r.Error = out.Err.Error()
			}
		} else {
			r.Status, r.Error = Cancelled, "not started: the server shut down while it waited for a slot"
		}
		s.mu.Lock()
		st.running = false
		st.started = nil
		if cur, ok := s.checks[req.Check.Name]; ok && cur != st {
			// Reloaded while running: the new state took over our runs.
			cur.running = false
			cur.started = nil
			st = cur
		}
		s.store(st, r)
		s.mu.Unlock()
		s.log(r)
		if s.opts.OnRun != nil {
			s.opts.OnRun(r)
		}
	}()
	return req.ID
}

func status(out Outcome) Status {
	switch out.ExitCode {
	case 0:
		return Passed
	case 1:
		return Failed
	case 4:
		return Undelivered
	}
	return Errored
}

func (s *Scheduler) log(r Run) {
	attrs := []any{"check", r.Check, "run", r.ID, "trigger", string(r.Trigger), "outcome", string(r.Status),
		"duration", r.Duration().Round(time.Millisecond).String(), "exit_code", r.ExitCode}
	if r.Result != nil && r.Result.DataSource != nil {
		attrs = append(attrs, "dataset", r.Result.DataSource.Location)
	}
	if r.Score != nil {
		attrs = append(attrs, "score", *r.Score)
	}
	if r.Error != "" {
		attrs = append(attrs, "error", r.Error)
	}
	lvl := slog.LevelInfo
	if r.Status == Errored || r.Status == Undelivered {
		lvl = slog.LevelError
	}
	s.opts.Logger.Log(context.Background(), lvl, "run finished", attrs...)
}

// store appends r to the check's recent runs. Called with s.mu held.
func (s *Scheduler) store(st *state, r Run) {
	st.runs = append(st.runs, r)
	if keep := s.cfg.Server.RunsKept; len(st.runs) > keep {
		st.runs = append([]Run(nil), st.runs[len(st.runs)-keep:]...)
	}
}

// Shutdown stops scheduling, waits up to grace for the runs in flight,
// then cancels them and waits for them to return. It reports whether every
// run finished within the grace period.
func (s *Scheduler) Shutdown(grace time.Duration) bool {
	s.mu.Lock()
	if !s.stopped {
		s.stopped = true
		close(s.stopping)
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.runsWG.Wait(); close(done) }()
	timer, stop := s.opts.Clock.After(grace)
	defer stop()
	select {
	case <-done:
		s.stopRuns()
		return true
	case <-timer:
	}
	s.opts.Logger.Warn("grace period over: cancelling the runs still going", "grace", grace.String())
	s.stopRuns()
	<-done
	return false
}

// CheckStatus is a check as the overview shows it.
type CheckStatus struct {
	Check   *checkconfig.Check
	Next    time.Time // next dispatch; zero when the schedule has ended
	Running bool
	Runs    []Run // newest last
}

// Status lists the checks in config order.
func (s *Scheduler) Status() []CheckStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg == nil {
		return nil
	}
	out := make([]CheckStatus, 0, len(s.cfg.Checks))
	for _, c := range s.cfg.Checks {
		st := s.checks[c.Name]
		out = append(out, CheckStatus{Check: c, Next: st.next, Running: st.running, Runs: append([]Run(nil), st.runs...)})
	}
	return out
}

// CheckByName is one check's status.
func (s *Scheduler) CheckByName(name string) (CheckStatus, bool) {
	for _, cs := range s.Status() {
		if cs.Check.Name == name {
			return cs, true
		}
	}
	return CheckStatus{}, false
}

// Config is the config in force.
func (s *Scheduler) Config() *checkconfig.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}
