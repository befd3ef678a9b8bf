package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"

	"github.com/dqlabs/dq/engine"
)

// Point is one value of a series.
type Point struct {
	At    time.Time
	Value float64
}

// finite drops NaN and ±Inf, which have no place on a chart.
func finite(pts []Point) []Point {
	out := make([]Point, 0, len(pts))
	for _, p := range pts {
		if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
			out = append(out, p)
		}
	}
	return out
}

func num(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 1e6 || math.Abs(v) < 1e-3:
		return fmt.Sprintf("%.3g", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", v), "0"), ".")
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// Sparkline draws a score series (0-1) as a small inline SVG with a text
// alternative.
func Sparkline(label string, pts []Point) template.HTML {
	pts = finite(pts)
	if len(pts) == 0 {
		return template.HTML(`<span class="muted">no runs yet</span>`)
	}
	const w, h = 120.0, 24.0
	var b strings.Builder
	alt := fmt.Sprintf("%s over the last %d runs: first %s, latest %s, lowest %s", label, len(pts), num(pts[0].Value), num(pts[len(pts)-1].Value), num(minOf(pts)))
	fmt.Fprintf(&b, `<svg class="spark" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-label="%s"><title>%s</title>`, w, h, w, h, esc(alt), esc(alt))
	var poly []string
	for i, p := range pts {
		x := w / 2
		if len(pts) > 1 {
			x = 2 + float64(i)*(w-4)/float64(len(pts)-1)
		}
		v := math.Max(0, math.Min(1, p.Value))
		y := h - 2 - v*(h-4)
		poly = append(poly, fmt.Sprintf("%.1f,%.1f", x, y))
	}
	if len(poly) == 1 {
		poly = append(poly, poly[0])
	}
	fmt.Fprintf(&b, `<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="%s"/>`, strings.Join(poly, " "))
	last := poly[len(poly)-1]
	xy := strings.Split(last, ",")
	fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="2.5" fill="currentColor"/></svg>`, xy[0], xy[1])
	return template.HTML(b.String())
}

func minOf(pts []Point) float64 {
	m := math.Inf(1)
	for _, p := range pts {
		m = math.Min(m, p.Value)
	}
	return m
}

// bands computes, for each point with enough history before it, the band
// anomaly detection expected it in (engine.ExpectedBand over the points
// before it, as a run sees its history).
func bands(pts []Point) []*engine.Band {
	out := make([]*engine.Band, len(pts))
	hist := make([]engine.Point, 0, len(pts))
	for i, p := range pts {
		if b, ok := engine.ExpectedBand(hist, p.At); ok {
			b := b
			out[i] = &b
		}
		hist = append(hist, engine.Point{At: p.At, Value: p.Value})
	}
	return out
}

// LineChart draws a metric series (oldest first) with the anomaly band
// and marks the points outside it.
func LineChart(metric string, pts []Point) template.HTML {
	pts = finite(pts)
	if len(pts) == 0 {
		return ""
	}
	const w, h, padL, padR, padT, padB = 640.0, 200.0, 56.0, 12.0, 12.0, 28.0
	bs := bands(pts)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, p := range pts {
		lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
		if bs[i] != nil {
			lo, hi = math.Min(lo, bs[i].Lower), math.Max(hi, bs[i].Upper)
		}
	}
	if hi == lo {
		hi, lo = hi+1, lo-1
	}
	t0, t1 := pts[0].At, pts[len(pts)-1].At
	x := func(i int) float64 {
		if len(pts) == 1 {
			return padL + (w-padL-padR)/2
		}
		if t1.After(t0) {
			return padL + float64(pts[i].At.Sub(t0))/float64(t1.Sub(t0))*(w-padL-padR)
		}
		return padL + float64(i)/float64(len(pts)-1)*(w-padL-padR)
	}
	y := func(v float64) float64 { return padT + (hi-v)/(hi-lo)*(h-padT-padB) }

	anomalies := 0
	for i, p := range pts {
		if bs[i] != nil && !bs[i].Contains(p.Value) {
			anomalies++
		}
	}
	alt := fmt.Sprintf("%s over %d runs from %s to %s: latest %s, range %s to %s; %d outside the expected band",
		metric, len(pts), t0.UTC().Format("2006-01-02 15:04"), t1.UTC().Format("2006-01-02 15:04"),
		num(pts[len(pts)-1].Value), num(minOf(pts)), num(maxOf(pts)), anomalies)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="%s"><title>%s</title>`, w, h, esc(alt), esc(alt))
	// Axes and labels.
	fmt.Fprintf(&b, `<line class="axis" x1="%g" y1="%g" x2="%g" y2="%g"/>`, padL, padT, padL, h-padB)
	fmt.Fprintf(&b, `<line class="axis" x1="%g" y1="%g" x2="%g" y2="%g"/>`, padL, h-padB, w-padR, h-padB)
	fmt.Fprintf(&b, `<text class="lbl" x="%g" y="%g" text-anchor="end">%s</text>`, padL-4, padT+4, esc(num(hi)))
	fmt.Fprintf(&b, `<text class="lbl" x="%g" y="%g" text-anchor="end">%s</text>`, padL-4, h-padB, esc(num(lo)))
	fmt.Fprintf(&b, `<text class="lbl" x="%g" y="%g">%s</text>`, padL, h-8, esc(t0.UTC().Format("2006-01-02")))
	fmt.Fprintf(&b, `<text class="lbl" x="%g" y="%g" text-anchor="end">%s</text>`, w-padR, h-8, esc(t1.UTC().Format("2006-01-02 15:04")))
	// The band: upper edge forwards, lower edge backwards.
	var up, down []string
	for i := range pts {
		if bs[i] == nil {
			continue
		}
		up = append(up, fmt.Sprintf("%.1f,%.1f", x(i), y(bs[i].Upper)))
		down = append([]string{fmt.Sprintf("%.1f,%.1f", x(i), y(bs[i].Lower))}, down...)
	}
	if len(up) > 0 {
		if len(up) == 1 {
			// A single band point: draw it as a short bar.
			up = append(up, up[0])
			down = append(down, down[0])
		}
		fmt.Fprintf(&b, `<polygon class="band" points="%s"><title>expected band (anomaly detection)</title></polygon>`, strings.Join(append(up, down...), " "))
	}
	var line []string
	for i, p := range pts {
		line = append(line, fmt.Sprintf("%.1f,%.1f", x(i), y(p.Value)))
	}
	if len(line) == 1 {
		line = append(line, line[0])
	}
	fmt.Fprintf(&b, `<polyline class="line" fill="none" points="%s"/>`, strings.Join(line, " "))
	for i, p := range pts {
		cls := "pt"
		if bs[i] != nil && !bs[i].Contains(p.Value) {
			cls = "pt anomaly"
		}
		fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="3"><title>%s: %s</title></circle>`, cls, x(i), y(p.Value), esc(p.At.UTC().Format(time.RFC3339)), esc(num(p.Value)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func maxOf(pts []Point) float64 {
	m := math.Inf(-1)
	for _, p := range pts {
		m = math.Max(m, p.Value)
	}
	return m
}
