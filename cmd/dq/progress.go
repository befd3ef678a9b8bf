package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks/console"
)

// progressDelay is how long a run must take before progress appears: fast
// runs, the common case, should print nothing at all.
const progressDelay = 2 * time.Second

// progressTick is how often the line is redrawn between engine callbacks.
// The engine reports only at statement boundaries, and a single scan of a
// large file can take minutes; the ticking elapsed time shows it is alive.
const progressTick = 250 * time.Millisecond

// clearLine returns the cursor to column 0 and erases the line, so each
// draw replaces the previous one and the final clear leaves no trace.
const clearLine = "\r\x1b[K"

// progressLine draws one self-replacing status line on a terminal. It is
// driven by engine callbacks (update) and by a ticker (tick); both may run
// concurrently, hence the mutex. The clock and writer are injected so that
// tests can drive it without a terminal or real time.
type progressLine struct {
	mu    sync.Mutex
	w     io.Writer
	now   func() time.Time
	start time.Time
	delay time.Duration
	state engine.Progress
	drawn bool   // something is on the line and must be cleared
	last  string // the text drawn last
}

func newProgressLine(w io.Writer, now func() time.Time, delay time.Duration) *progressLine {
	return &progressLine{w: w, now: now, start: now(), delay: delay}
}

// update records the engine's latest progress and redraws if due.
func (p *progressLine) update(pr engine.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state = pr
	p.drawLocked()
}

// tick redraws the line if the delay has passed, so that elapsed time
// advances even while one long statement runs.
func (p *progressLine) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drawLocked()
}

func (p *progressLine) drawLocked() {
	elapsed := p.now().Sub(p.start)
	if elapsed < p.delay {
		return
	}
	// Whole seconds, redrawn only on change: a slow terminal or a
	// recorded session should not get four identical lines a second.
	line := fmt.Sprintf("dq: %s · %s", describeProgress(p.state), elapsed.Truncate(time.Second))
	if p.drawn && line == p.last {
		return
	}
	fmt.Fprintf(p.w, "%s%s", clearLine, line)
	p.drawn, p.last = true, line
}

// clear erases the line if anything was drawn. Called before any other
// output on the terminal, so results and errors start on a clean line.
func (p *progressLine) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		io.WriteString(p.w, clearLine)
		p.drawn = false
	}
}

func describeProgress(pr engine.Progress) string {
	switch {
	case pr.Stage == "row-level":
		return "writing row-level results"
	case pr.Stage == "scan" && pr.Done < pr.Total:
		return fmt.Sprintf("running query %d of %d", pr.Done+1, pr.Total)
	case pr.Stage == "scan":
		return "judging rules"
	case pr.Stage == "files":
		return fmt.Sprintf("state cache: read %d of %d files", pr.Done, pr.Total)
	default:
		// Before the first callback the engine is opening and describing
		// the data (for an Arrow stream, reading all of it).
		return "opening data"
	}
}

// startProgress returns the engine callback for a run and a function that
// stops the ticker and clears the line. Off a terminal, or with --quiet, it
// returns a nil callback: logs and CI output must not fill with \r lines.
func startProgress(e *env) (callback func(engine.Progress), stop func()) {
	if e.quiet || !isTerminal(e.rawStderr) {
		return nil, func() {}
	}
	return runProgress(newProgressLine(e.rawStderr, time.Now, progressDelay), progressTick)
}

// runProgress ticks p every interval until stop, which also clears the
// line; after stop returns nothing more is written.
func runProgress(p *progressLine, every time.Duration) (callback func(engine.Progress), stop func()) {
	t := time.NewTicker(every)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-t.C:
				p.tick()
			case <-done:
				return
			}
		}
	})
	return p.update, func() {
		t.Stop()
		close(done)
		wg.Wait()
		p.clear()
	}
}

// isTerminal reports whether w is a terminal. Only an *os.File can be one;
// the buffers tests pass in never are.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// terminalText is where a command writes text that people read and
// programs may also parse (a recommended ruleset, an explain plan): on a
// terminal, control characters from the data are escaped (see
// console.Escape); into a pipe or file the text stays exact.
func terminalText(e *env) io.Writer {
	if isTerminal(e.stdout) {
		return console.Escaper{W: e.stdout}
	}
	return e.stdout
}
