package s3source

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Progress prints listing and fetching progress (objects, bytes, rate) on
// one rewritten line. A nil *Progress, or one without a writer, is silent.
type Progress struct {
	w       io.Writer
	mu      sync.Mutex
	start   time.Time
	last    time.Time
	nlisted int
	bytes   int64
	printed bool
}

// NewProgress reports to w; nil w is silent.
func NewProgress(w io.Writer) *Progress { return newProgress(w) }

func newProgress(w io.Writer) *Progress {
	if w == nil {
		return nil
	}
	return &Progress{w: w, start: time.Now()}
}

func (p *Progress) listed(n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nlisted = n
	p.maybePrint()
}

func (p *Progress) fetched(n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bytes += n
	p.maybePrint()
}

func (p *Progress) maybePrint() {
	now := time.Now()
	if now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	p.print(now)
}

func (p *Progress) print(now time.Time) {
	rate := float64(p.bytes) / max(now.Sub(p.start).Seconds(), 0.001)
	fmt.Fprintf(p.w, "\r\033[Kdq: s3: %d objects listed, %s fetched (%s/s)", p.nlisted, HumanBytes(p.bytes), HumanBytes(int64(rate)))
	p.printed = true
}

func (p *Progress) done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.printed {
		p.print(time.Now())
		fmt.Fprintln(p.w)
	}
}

// HumanBytes formats a byte count with a binary unit.
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
