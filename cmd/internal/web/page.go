package web

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dqlabs/dq/cmd/internal/scheduler"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/history"
)

// css is inlined in every page (a static report is one file) and allowed
// by its hash in the Content-Security-Policy; nothing else may run or load.
const css = `
:root{--pass:#1a7f37;--fail:#cf222e;--err:#9a6700;--skip:#6e7781;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--band:#54aeff33}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:16px;max-width:1200px;margin-inline:auto}
h1{font-size:1.5rem;margin:.2em 0 .6em}h2{font-size:1.15rem;margin:1.4em 0 .5em}
a{color:#0969da}
.muted{color:var(--muted)}
.wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;font-size:.9rem}
td.num{font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:.8rem;font-weight:600;white-space:nowrap}
.passed,.PASS{background:var(--pass)}.failed,.FAIL{background:var(--fail)}.error,.ERROR,.undelivered,.cancelled{background:var(--err)}.skipped,.none{background:var(--skip)}
.strip{display:flex;flex-wrap:wrap;gap:2px;list-style:none;margin:0;padding:0}
.strip li{width:12px;height:18px;border-radius:2px}
.spark{color:#0969da;vertical-align:middle}
.chart{width:100%;height:auto;max-width:640px;display:block}
.chart .axis{stroke:var(--line)}.chart .lbl{font-size:11px;fill:var(--muted)}
.chart .band{fill:var(--band);stroke:none}.chart .line{stroke:#0969da;stroke-width:1.5}
.chart .pt{fill:#0969da}.chart .anomaly{fill:var(--fail)}
figure{margin:0 0 18px}figcaption,h1{overflow-wrap:anywhere}
.msg{font-size:.85rem;color:var(--muted);word-break:break-word}
.details p{margin:.2em 0}.vals{margin:0;padding-left:1.2em}.vals code{color:var(--fg);white-space:pre-wrap}
form.inline{display:inline}
button{font:inherit;padding:4px 12px;border:1px solid var(--line);border-radius:6px;background:#f6f8fa;cursor:pointer}
input{font:inherit;padding:3px 6px;max-width:12em}
.flash{padding:8px 12px;border:1px solid var(--line);border-radius:6px;background:#ddf4ff}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;word-break:break-all}
@media (max-width:600px){body{padding:10px}.hide-narrow{display:none}th,td{padding:5px 4px}}
`

// CSP is the Content-Security-Policy of every page, in the page itself
// (so a static report file carries it) and in the server's header: no
// scripts at all, only the inline stylesheet above, forms only to this
// origin.
var CSP = func() string {
	sum := sha256.Sum256([]byte(css))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; img-src 'self' data:; form-action 'self'; base-uri 'none'"
}()

// HeaderCSP adds what only a header can say: no framing (clickjacking).
var HeaderCSP = CSP + "; frame-ancestors 'none'"

var funcs = template.FuncMap{
	"score": func(s *float64) string {
		if s == nil {
			return "–"
		}
		return fmt.Sprintf("%.2f", *s)
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"dur": func(d time.Duration) string {
		if d <= 0 {
			return "–"
		}
		return d.Round(time.Millisecond).String()
	},
	"css": func() template.CSS { return template.CSS(css) },
}

// pages are parsed on first use, not at package init, which every dq
// process (not only dq serve and dq report) would pay: ~1 ms.
var pages = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Funcs(funcs).Parse(pagesText))
})

const pagesText = `
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<link rel="icon" href="data:,">
<title>{{.Title}}</title><style>{{css}}</style></head><body>{{end}}

{{define "overview"}}{{template "head" .}}
<header><h1>dq checks</h1>
<p class="muted">{{len .Checks}} checks · page generated {{when .Generated}}</p></header>
<main>
{{if .Flash}}<p class="flash" role="status">{{.Flash}}</p>{{end}}
<div class="wrap"><table>
<caption class="sr">Every check with its last run, score and next run</caption>
<thead><tr><th scope="col">Check</th><th scope="col">Status</th><th scope="col">Score</th><th scope="col">Score history</th><th scope="col" class="hide-narrow">Last run</th><th scope="col">Next run</th></tr></thead>
<tbody>{{range .Checks}}<tr>
<th scope="row"><a href="/checks/{{.Name}}">{{.Name}}</a></th>
<td><span class="badge {{.Status}}">{{.Status}}</span>{{if .Running}} <span class="muted">running…</span>{{end}}</td>
<td class="num">{{score .Score}}</td>
<td>{{.Spark}}</td>
<td class="hide-narrow"><time datetime="{{iso .LastRun}}">{{when .LastRun}}</time></td>
<td><time datetime="{{iso .Next}}">{{when .Next}}</time> <span class="muted hide-narrow">{{.Schedule}}</span></td>
</tr>{{else}}<tr><td colspan="6">No checks are configured.</td></tr>{{end}}</tbody>
</table></div>
<p class="muted"><a href="/metrics">Prometheus metrics</a> · <a href="/api/checks">JSON</a></p>
</main></body></html>{{end}}

{{define "check"}}{{template "head" .}}
<header>{{if not .Static}}<p><a href="/">← All checks</a></p>{{end}}
<h1>{{.Name}} <span class="badge {{.Status}}">{{.Status}}</span></h1>
<dl class="meta">
<dt>Dataset</dt><dd>{{.Dataset}}</dd>
{{if .Schedule}}<dt>Schedule</dt><dd>{{.Schedule}}{{if .Timezone}} ({{.Timezone}}){{end}}</dd>{{end}}
{{if not .Static}}<dt>Next run</dt><dd><time datetime="{{iso .Next}}">{{when .Next}}</time>{{if .Running}} · running now{{end}}</dd>{{end}}
<dt>Score</dt><dd>{{score .Score}} {{.Spark}}</dd>
{{if .Static}}<dt>Generated</dt><dd>{{when .Generated}}</dd>{{end}}
</dl>
{{if not .Static}}<form class="inline" method="post" action="/checks/{{.Name}}/run">
{{if .NeedToken}}<label>Token <input type="password" name="token" autocomplete="current-password" required></label> {{end}}
<button type="submit">Run now</button></form>{{end}}
</header>
<main>
{{if .Flash}}<p class="flash" role="status">{{.Flash}}</p>{{end}}
<section aria-labelledby="rules-h"><h2 id="rules-h">Rules</h2>
{{if .Rules}}<div class="wrap"><table>
<caption class="sr">Each rule's outcome in the recent runs, oldest first, and its latest message</caption>
<thead><tr><th scope="col">Rule</th><th scope="col">Latest</th><th scope="col">History (oldest → newest)</th></tr></thead>
<tbody>{{range .Rules}}<tr>
<th scope="row">{{.Description}}<br><span class="muted">{{.Name}}</span>{{if .Message}}<div class="msg">{{.Message}}</div>{{end}}{{with .Details}}
<div class="msg details">{{if .Rows}}<p>{{.Rows}}</p>{{end}}{{if .Values}}<p id="{{.ID}}">Most frequent failing values:</p>
<ul class="vals" aria-labelledby="{{.ID}}">{{range .Values}}<li><code>{{.Value}}</code> <span class="muted">×&nbsp;{{.Count}}</span></li>{{end}}</ul>{{end}}{{if .Hint}}<p>{{.Hint}}</p>{{end}}</div>{{end}}</th>
<td><span class="badge {{.Last}}">{{.Last}}</span></td>
<td><ol class="strip" aria-label="{{.Name}} outcomes: {{.Summary}}">{{range .Cells}}<li class="{{.Class}}" title="{{.Label}}"><span class="sr">{{.Label}}</span></li>{{end}}</ol></td>
</tr>{{end}}</tbody></table></div>
{{else}}<p class="muted">No evaluated runs yet{{if not .Static}}: rule outcomes appear here after the next run{{end}}.</p>{{end}}
</section>
<section aria-labelledby="metrics-h"><h2 id="metrics-h">Metrics</h2>
{{range .Metrics}}<figure><figcaption><strong>{{.Name}}</strong> <span class="muted">latest {{.Latest}}</span></figcaption>{{.Chart}}</figure>
{{else}}<p class="muted">No metric history yet.</p>{{end}}
<p class="muted">The shaded band is the range anomaly detection expected each value in, from the runs before it; red points lie outside it.</p>
</section>
{{if .Runs}}<section aria-labelledby="runs-h"><h2 id="runs-h">Recent runs</h2>
<div class="wrap"><table><caption class="sr">Recent runs, newest first</caption>
<thead><tr><th scope="col">Started</th><th scope="col">Outcome</th><th scope="col">Score</th><th scope="col" class="hide-narrow">Trigger</th><th scope="col" class="hide-narrow">Duration</th><th scope="col">Detail</th></tr></thead>
<tbody>{{range .Runs}}<tr><td><time datetime="{{iso .Started}}">{{when .Started}}</time></td><td><span class="badge {{.Status}}">{{.Status}}</span></td><td class="num">{{score .Score}}</td><td class="hide-narrow">{{.Trigger}}</td><td class="num hide-narrow">{{dur .Duration}}</td><td class="msg">{{.Error}}</td></tr>{{end}}</tbody>
</table></div></section>{{end}}
</main></body></html>{{end}}
`

// CheckRow is a line of the overview.
type CheckRow struct {
	Name, Schedule string
	Status         string
	Score          *float64
	LastRun, Next  time.Time
	Running        bool
	Spark          template.HTML
}

// Overview is the page at /.
type Overview struct {
	Title, CSP, Flash string
	Generated         time.Time
	Checks            []CheckRow
}

// RuleRow is a rule with its outcome strip.
type RuleRow struct {
	Name, Description string
	Last              string
	Message           string
	Summary           string
	Cells             []Cell
	// Details are the latest run's failing-value samples; nil for a rule
	// that passed or has none.
	Details *DetailsView
}

// DetailsView is a failing rule's FailureDetails as the page shows them:
// how many rows failed, the most frequent offending values (quoted and
// cut as engine.ShowValue does, so control characters and very long
// values stay readable), and the hint. html/template escapes all of it.
type DetailsView struct {
	ID     string // element id naming the value list
	Rows   string // "12 of 20,000 rows failed"; empty when not counted
	Values []ValueView
	Hint   string
}

// ValueView is one offending value and how many failing rows hold it.
type ValueView struct{ Value, Count string }

// detailsView turns a rule's FailureDetails into what the page shows; id
// makes the value list's label unique on the page.
func detailsView(d *engine.FailureDetails, id string) *DetailsView {
	if d == nil {
		return nil
	}
	v := &DetailsView{ID: id, Hint: d.Hint}
	if d.FailedRows != nil && d.TotalRows != nil {
		v.Rows = thousands(*d.FailedRows) + " of " + thousands(*d.TotalRows) + " rows failed"
	}
	for _, tv := range d.TopValues {
		v.Values = append(v.Values, ValueView{Value: engine.ShowValue(tv.Value), Count: thousands(tv.Count)})
	}
	if v.Rows == "" && len(v.Values) == 0 && v.Hint == "" {
		return nil
	}
	return v
}

// thousands prints n with comma separators, as the console's summary
// does: 20000 → 20,000.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Cell is one run's outcome of a rule.
type Cell struct{ Class, Label string }

// MetricView is a metric's chart.
type MetricView struct {
	Name, Latest string
	Chart        template.HTML
}

// CheckPage is a check's page, or a static report.
type CheckPage struct {
	Title, CSP, Flash          string
	Name, Dataset, Status      string
	Schedule, Timezone         string
	Score                      *float64
	Next, Generated            time.Time
	Running, Static, NeedToken bool
	Spark                      template.HTML
	Rules                      []RuleRow
	Metrics                    []MetricView
	Runs                       []scheduler.Run
}

// WriteOverview renders the overview.
func WriteOverview(w io.Writer, o Overview) error {
	o.CSP, o.Title = CSP, "dq checks"
	return pages().ExecuteTemplate(w, "overview", o)
}

// WriteCheck renders a check page or a static report.
func WriteCheck(w io.Writer, p CheckPage) error {
	p.CSP = CSP
	if p.Title == "" {
		p.Title = p.Name + " · dq"
	}
	return pages().ExecuteTemplate(w, "check", p)
}

// maxStrip is how many runs a rule strip shows.
const maxStrip = 40

// maxCharts bounds the metric charts on a page.
const maxCharts = 24

// RuleRows builds the outcome strips from runs (oldest first); runs
// without a result (skipped, could not run) show as grey cells in every
// rule.
func RuleRows(runs []scheduler.Run) []RuleRow {
	if len(runs) > maxStrip {
		runs = runs[len(runs)-maxStrip:]
	}
	var latest *engine.Result
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Result != nil {
			latest = runs[i].Result
			break
		}
	}
	if latest == nil {
		return nil
	}
	var rows []RuleRow
	for i, rr := range latest.RuleResults {
		row := RuleRow{Name: rr.Name, Description: rr.Description, Last: string(rr.Result)}
		if rr.Result != engine.Pass {
			row.Message = rr.EvaluationMessage
			row.Details = detailsView(rr.FailureDetails, fmt.Sprintf("vals-%d", i))
		}
		counts := map[string]int{}
		for _, r := range runs {
			cell := Cell{Class: "none", Label: fmt.Sprintf("%s: %s", r.Started.UTC().Format("2006-01-02 15:04"), r.Status)}
			if r.Result != nil {
				for _, x := range r.Result.RuleResults {
					// A rule is the same rule when its text is; Rule_<i>
					// names shift when the ruleset is edited.
					if x.Description == rr.Description {
						cell = Cell{Class: string(x.Result), Label: fmt.Sprintf("%s: %s", r.Started.UTC().Format("2006-01-02 15:04"), x.Result)}
					}
				}
			}
			counts[cell.Class]++
			row.Cells = append(row.Cells, cell)
		}
		row.Summary = summary(counts, len(row.Cells))
		rows = append(rows, row)
	}
	return rows
}

func summary(counts map[string]int, n int) string {
	var parts []string
	for _, k := range []string{"PASS", "FAIL", "ERROR", "none"} {
		if c := counts[k]; c > 0 {
			name := strings.ToLower(k)
			if k == "none" {
				name = "no result"
			}
			parts = append(parts, fmt.Sprintf("%d %s", c, name))
		}
	}
	return fmt.Sprintf("%d runs, %s", n, strings.Join(parts, ", "))
}

// MetricViews charts every metric of the recorded runs (newest first, as
// the store lists them), at most maxCharts, in name order.
func MetricViews(runs []history.Run) []MetricView {
	series := map[string][]Point{}
	for i := len(runs) - 1; i >= 0; i-- {
		for _, m := range runs[i].Metrics {
			if m.Excluded {
				continue
			}
			series[m.Name] = append(series[m.Name], Point{At: runs[i].At, Value: m.Value})
		}
	}
	names := make([]string, 0, len(series))
	for n := range series {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) > maxCharts {
		names = names[:maxCharts]
	}
	out := make([]MetricView, 0, len(names))
	for _, n := range names {
		pts := series[n]
		out = append(out, MetricView{Name: n, Latest: num(pts[len(pts)-1].Value), Chart: LineChart(n, pts)})
	}
	return out
}

// ScoreSpark is the score sparkline of recorded runs (newest first).
func ScoreSpark(runs []history.Run) template.HTML {
	var pts []Point
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Score != nil {
			pts = append(pts, Point{At: runs[i].At, Value: *runs[i].Score})
		}
	}
	return Sparkline("Score", pts)
}

// RecordedStatus is what a recorded run's score says: every rule passed
// exactly when the score is 1; "none" when there were no rules.
func RecordedStatus(r history.Run) scheduler.Status {
	switch {
	case r.Score == nil:
		return "none"
	case *r.Score == 1:
		return scheduler.Passed
	}
	return scheduler.Failed
}

// WithRecorded merges the runs the history store recorded (newest first,
// as it lists them) into a check's runs held in memory (oldest first), so
// rule outcome strips reach back past a restart, and to runs another dq
// process (dq run from cron) recorded. A recorded run the memory also
// holds (same result id) is taken once, from memory, which has its
// messages and failure details; a recorded run carries only its rule
// outcomes, and one recorded before dq kept those has none (a grey cell).
// The result is ordered by when each run started, oldest first.
func WithRecorded(live []scheduler.Run, recorded []history.Run) []scheduler.Run {
	if len(recorded) == 0 {
		return live
	}
	inMemory := map[string]bool{}
	for _, r := range live {
		if r.Result != nil && r.Result.ResultID != "" {
			inMemory[r.Result.ResultID] = true
		}
	}
	out := make([]scheduler.Run, 0, len(live)+len(recorded))
	for i := len(recorded) - 1; i >= 0; i-- {
		h := recorded[i]
		if inMemory[h.ResultID] {
			continue
		}
		run := scheduler.Run{ID: h.ResultID, Started: h.At, Date: h.At, Status: RecordedStatus(h), Score: h.Score}
		if len(h.Rules) > 0 {
			res := &engine.Result{ResultID: h.ResultID, RulesetName: h.RulesetName, Score: h.Score, StartedOn: h.At}
			for _, o := range h.Rules {
				res.RuleResults = append(res.RuleResults, engine.RuleResult{Name: o.Name, Description: o.Description, Result: o.Result})
			}
			run.Result = res
		}
		out = append(out, run)
	}
	out = append(out, live...)
	at := func(r scheduler.Run) time.Time {
		if r.Started.IsZero() {
			return r.Date
		}
		return r.Started
	}
	sort.SliceStable(out, func(i, j int) bool { return at(out[i]).Before(at(out[j])) })
	return out
}
