package sinktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Event is one decoded PutEvents entry; Detail is the decoded detail JSON.
type Event struct {
	Source, DetailType, EventBusName string
	Time                             float64 // epoch seconds, as on the wire
	Detail                           map[string]any
}

// FakeEventBridge is an httptest server speaking EventBridge's AWS JSON 1.1
// protocol for PutEvents.
type FakeEventBridge struct {
	URL    string
	Faults *Faults

	mu     sync.Mutex
	events []Event
	reject string // when set, entries are rejected with this error code
}

// NewEventBridge starts a fake, closed when t ends.
func NewEventBridge(t testing.TB) *FakeEventBridge {
	f := newEventBridge()
	ts := httptest.NewServer(f.Faults.Wrap(f))
	t.Cleanup(ts.Close)
	f.URL = ts.URL
	return f
}

func newEventBridge() *FakeEventBridge { return &FakeEventBridge{Faults: &Faults{}} }

// Reject makes the fake answer 200 but mark every entry failed with code,
// as EventBridge does for, e.g., a missing bus.
func (f *FakeEventBridge) Reject(code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reject = code
}

// Events returns the accepted events so far.
func (f *FakeEventBridge) Events() []Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Event(nil), f.events...)
}

// ServeHTTP handles PutEvents; use it to mount the fake in a larger test server.
func (f *FakeEventBridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Amz-Target") != "AWSEvents.PutEvents" {
		jsonError(w, "UnknownOperationException", "unexpected target "+r.Header.Get("X-Amz-Target"))
		return
	}
	var in struct {
		Entries []struct {
			Source, DetailType, Detail, EventBusName string
			Time                                     float64
		}
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		jsonError(w, "SerializationException", err.Error())
		return
	}
	type entry struct {
		EventID      string `json:"EventId,omitempty"`
		ErrorCode    string `json:"ErrorCode,omitempty"`
		ErrorMessage string `json:"ErrorMessage,omitempty"`
	}
	out := struct {
		Entries          []entry
		FailedEntryCount int
	}{}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, e := range in.Entries {
		if f.reject != "" {
			out.Entries = append(out.Entries, entry{ErrorCode: f.reject, ErrorMessage: "rejected by the fake"})
			out.FailedEntryCount++
			continue
		}
		ev := Event{Source: e.Source, DetailType: e.DetailType, EventBusName: e.EventBusName, Time: e.Time}
		if err := json.Unmarshal([]byte(e.Detail), &ev.Detail); err != nil {
			jsonError(w, "ValidationException", "detail is not JSON: "+err.Error())
			return
		}
		f.events = append(f.events, ev)
		out.Entries = append(out.Entries, entry{EventID: fmt.Sprintf("event-%d-%d", len(f.events), i)})
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

func jsonError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}
