package web

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/dqlabs/dq/cmd/internal/scheduler"
)

// Metrics are the server's Prometheus metrics, on a registry of their own
// (no global state).
type Metrics struct {
	Registry         *prometheus.Registry
	runs             *prometheus.CounterVec
	duration         *prometheus.HistogramVec
	rows             *prometheus.CounterVec
	score            *prometheus.GaugeVec
	publishFailures  *prometheus.CounterVec
	reloads          *prometheus.CounterVec
	running          *prometheus.GaugeVec
	lastRunTimestamp *prometheus.GaugeVec
}

// NewMetrics registers dq's metrics and Go's runtime metrics.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dq_check_runs_total",
			Help: "Runs by check and outcome (passed, failed, error, undelivered, cancelled, skipped)."}, []string{"check", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "dq_check_run_duration_seconds",
			Help:    "How long evaluated runs took.",
			Buckets: []float64{.1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800}}, []string{"check"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dq_check_rows_scanned_total",
			Help: "Rows of the primary dataset evaluated (its RowCount metric, when the ruleset computes one)."}, []string{"check"}),
		score: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "dq_check_last_score",
			Help: "Score (passed rules / rules) of the check's last evaluated run."}, []string{"check"}),
		publishFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dq_publish_failures_total",
			Help: "Runs whose result a sink did not get (spooled for re-sending)."}, []string{"check"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dq_config_reloads_total",
			Help: "Config reloads by result (ok, rejected)."}, []string{"result"}),
		running: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "dq_check_running",
			Help: "1 while a run of the check is going."}, []string{"check"}),
		lastRunTimestamp: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "dq_check_last_run_timestamp_seconds",
			Help: "When the check's last run finished (Unix time)."}, []string{"check"}),
	}
	m.Registry.MustRegister(m.runs, m.duration, m.rows, m.score, m.publishFailures, m.reloads, m.running, m.lastRunTimestamp,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Started marks a check as running.
func (m *Metrics) Started(req scheduler.Request) { m.running.WithLabelValues(req.Check.Name).Set(1) }

// Observe counts a finished or skipped run.
func (m *Metrics) Observe(r scheduler.Run) {
	m.runs.WithLabelValues(r.Check, string(r.Status)).Inc()
	if r.Status == scheduler.Skipped {
		return
	}
	m.running.WithLabelValues(r.Check).Set(0)
	m.lastRunTimestamp.WithLabelValues(r.Check).Set(float64(r.Finished.Unix()))
	if r.Started.IsZero() {
		return
	}
	m.duration.WithLabelValues(r.Check).Observe(r.Duration().Seconds())
	if r.Status == scheduler.Undelivered {
		m.publishFailures.WithLabelValues(r.Check).Inc()
	}
	if r.Result == nil {
		return
	}
	if r.Score != nil {
		m.score.WithLabelValues(r.Check).Set(*r.Score)
	}
	if n, ok := rowCount(r); ok {
		m.rows.WithLabelValues(r.Check).Add(n)
	}
}

// Reloaded counts a reload.
func (m *Metrics) Reloaded(ok bool) {
	if ok {
		m.reloads.WithLabelValues("ok").Inc()
	} else {
		m.reloads.WithLabelValues("rejected").Inc()
	}
}

// rowCount is the number of rows a run evaluated: the row-level totals
// when row-level output ran, else the dataset's RowCount metric.
func rowCount(r scheduler.Run) (float64, bool) {
	if a := r.Result.AggregatedMetrics; a != nil && a.TotalRowsProcessed > 0 {
		return a.TotalRowsProcessed, true
	}
	for _, rr := range r.Result.RuleResults {
		if v, ok := rr.EvaluatedMetrics["Dataset.*.RowCount"]; ok && len(rr.MetricWheres) == 0 {
			return v, true
		}
	}
	for _, ar := range r.Result.AnalyzerResults {
		if v, ok := ar.EvaluatedMetrics["Dataset.*.RowCount"]; ok {
			return v, true
		}
	}
	return 0, false
}
