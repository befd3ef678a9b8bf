package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browser starts headless Chromium (Debian's chromium package, which
// .ci/run installs). Outside CI a machine without it skips the test.
func browser(t *testing.T) (context.Context, *[]string) {
	t.Helper()
	path := os.Getenv("DQ_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed; .ci/run installs it (apt-get install chromium)")
		}
		t.Skip("browser test skipped: chromium is not installed (apt-get install chromium, or set DQ_CHROMIUM)")
	}
	// A fresh profile, removed after Chromium has exited (t.TempDir's
	// cleanup could run while it still writes there).
	profile, err := os.MkdirTemp("", "dq-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
	}
	actx, cancelA := context.WithTimeout(context.Background(), 90*time.Second)
	actx, cancelB := chromedp.NewExecAllocator(actx, opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() {
		_ = chromedp.Cancel(ctx)
		cancelC()
		cancelB()
		cancelA()
		_ = os.RemoveAll(profile)
	})

	var mu sync.Mutex
	problems := &[]string{}
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError || ev.Type == runtime.APITypeWarning {
				*problems = append(*problems, fmt.Sprintf("console %s", ev.Type))
			}
		case *runtime.EventExceptionThrown:
			*problems = append(*problems, "exception: "+ev.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			// CSP violations and failed loads arrive here.
			if ev.Entry.Level == log.LevelError || ev.Entry.Level == log.LevelWarning {
				*problems = append(*problems, fmt.Sprintf("%s: %s", ev.Entry.Source, ev.Entry.Text))
			}
		}
	})
	if err := chromedp.Run(ctx, log.Enable(), runtime.Enable()); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx, problems
}

func TestBrowserPage(t *testing.T) {
	ctx, problems := browser(t)
	s, ts := startServe(t, serveFixture(t, "cron(0 6 * * ? *)"), "")

	// The overview before any run.
	var title string
	var h1 string
	if err := chromedp.Run(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(ts.URL+"/"),
		chromedp.Title(&title),
		chromedp.Text("h1", &h1),
	); err != nil {
		t.Fatal(err)
	}
	if title != "dq checks" || h1 != "dq checks" {
		t.Errorf("title %q, h1 %q", title, h1)
	}

	// Run now from the check page; the run appears on the page.
	var flash string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/checks/orders"),
		chromedp.Click(`form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`p.flash`, chromedp.ByQuery),
		chromedp.Text(`p.flash`, &flash, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(flash, "Run orders-") {
		t.Errorf("flash = %q", flash)
	}
	waitRuns(t, s, "orders", 1)
	var runRows int
	var outcome string
	if err := chromedp.Run(ctx,
		chromedp.Reload(),
		chromedp.WaitVisible(`#runs-h`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('section[aria-labelledby=runs-h] tbody tr').length`, &runRows),
		chromedp.Text(`section[aria-labelledby=runs-h] tbody tr .badge`, &outcome, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if runRows != 1 || outcome != "failed" {
		t.Errorf("recent runs: %d rows, outcome %q", runRows, outcome)
	}

	// Charts are SVG with accessible names; the rule strip has cells.
	var charts []map[string]string
	var cells int
	if err := chromedp.Run(ctx,
		chromedp.Evaluate(`[...document.querySelectorAll('svg[role=img]')].map(s => ({cls: s.getAttribute('class'), label: s.getAttribute('aria-label'), title: s.querySelector('title')?.textContent || ''}))`, &charts),
		chromedp.Evaluate(`document.querySelectorAll('ol.strip li').length`, &cells),
	); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, c := range charts {
		kinds[c["cls"]]++
		if c["label"] == "" || c["label"] != c["title"] {
			t.Errorf("chart without a matching accessible name: %v", c)
		}
	}
	if kinds["spark"] != 1 || kinds["chart"] < 1 {
		t.Errorf("charts = %v", charts)
	}
	if cells != 4 {
		t.Errorf("strip cells = %d, want 4 rules × 1 run", cells)
	}

	// Layout at phone and desktop widths, with screenshots.
	for _, width := range []int64{375, 1280} {
		var layout struct {
			ScrollWidth, InnerWidth int
			NarrowHidden            bool
			ButtonRight             float64
			H1Count, Tables         int
		}
		var shot []byte
		if err := chromedp.Run(ctx,
			chromedp.EmulateViewport(width, 800),
			chromedp.Navigate(ts.URL+"/checks/orders"),
			chromedp.WaitVisible(`h1`, chromedp.ByQuery),
			chromedp.Evaluate(`({
				ScrollWidth: document.documentElement.scrollWidth,
				InnerWidth: window.innerWidth,
				NarrowHidden: getComputedStyle(document.querySelector('th.hide-narrow')).display === 'none',
				ButtonRight: document.querySelector('form button').getBoundingClientRect().right,
				H1Count: document.querySelectorAll('h1').length,
				Tables: document.querySelectorAll('table thead th[scope=col]').length > 0 ? document.querySelectorAll('table').length : 0,
			})`, &layout),
			chromedp.FullScreenshot(&shot, 100),
		); err != nil {
			t.Fatal(err)
		}
		if layout.ScrollWidth > layout.InnerWidth {
			var wide []string
			_ = chromedp.Run(ctx, chromedp.Evaluate(`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth && !e.closest('.wrap')).map(e => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right)).slice(0, 10)`, &wide))
			t.Errorf("%dpx: the page scrolls sideways (%d > %d): %v", width, layout.ScrollWidth, layout.InnerWidth, wide)
		}
		if layout.ButtonRight > float64(width) {
			t.Errorf("%dpx: the run-now button is off screen (right edge %.0f)", width, layout.ButtonRight)
		}
		if layout.NarrowHidden != (width < 600) {
			t.Errorf("%dpx: secondary columns hidden = %v", width, layout.NarrowHidden)
		}
		if layout.H1Count != 1 || layout.Tables < 2 {
			t.Errorf("%dpx: %d h1, %d tables", width, layout.H1Count, layout.Tables)
		}
		if len(shot) < 1000 {
			t.Errorf("%dpx: screenshot of %d bytes", width, len(shot))
		}
		p := filepath.Join(t.TempDir(), fmt.Sprintf("check-%d.png", width))
		if dir := os.Getenv("DQ_SCREENSHOTS"); dir != "" {
			p = filepath.Join(dir, fmt.Sprintf("serve-check-%d.png", width))
		}
		if err := os.WriteFile(p, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The overview with the run.
	var sparks int
	if err := chromedp.Run(ctx,
		chromedp.EmulateViewport(375, 800),
		chromedp.Navigate(ts.URL+"/"),
		chromedp.Evaluate(`document.querySelectorAll('svg.spark[aria-label]').length`, &sparks),
	); err != nil {
		t.Fatal(err)
	}
	if sparks != 1 {
		t.Errorf("overview sparklines = %d", sparks)
	}
	time.Sleep(100 * time.Millisecond) // let late log events arrive
	if len(*problems) > 0 {
		t.Errorf("console errors or CSP violations: %v", *problems)
	}
}
