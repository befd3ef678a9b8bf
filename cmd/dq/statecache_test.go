package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dqlabs/dq/engine"
)

// asDQEnv makes the re-executed test binary run dq with the JSON-encoded
// arguments it holds (see TestMain).
const asDQEnv = "DQ_TEST_AS_DQ"

// dqProcess starts dq as a separate process: the test binary re-executed.
func dqProcess(t *testing.T, cacheHome string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	argv, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), asDQEnv+"="+string(argv), "XDG_CACHE_HOME="+cacheHome)
	var out, errOut bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errOut // the summary line; Wait's error says enough
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("dq %v stderr:\n%s", args, errOut.String())
		}
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

// Two dq processes evaluating the same growing dataset at the same time
// share the state cache: both results equal a run with --no-state-cache,
// and the cache they leave serves a third run that reads no file.
func TestStateCacheConcurrentProcesses(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		duck(t, fmt.Sprintf(`COPY (SELECT %d * 100 + range AS id, (range * 7 %% 13) / 3.0 AS x, range %% 5 AS k
			FROM range(%d)) TO '%s' (FORMAT parquet)`, i, 50+i*10, filepath.Join(data, fmt.Sprintf("d%d.parquet", i))))
	}
	rules := writeFile(t, dir, "r.dqdl", `Rules = [ RowCount > 0, Mean "x" > 1, Sum "k" > 0, StandardDeviation "x" < 10,
		ColumnValues "x" between -1 and 5, Completeness "k" > 0.9, IsUnique "id" ]`, 0o644)
	cache := filepath.Join(dir, "cache")
	common := []string{"eval", "--format", "json", "--no-history", "--now", "2026-01-01", rules, data}
	cold, _ := evalJSON(t, exitOK, "--no-state-cache", "--no-history", "--now", "2026-01-01", rules, data)

	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range 2 {
		c, out := dqProcess(t, cache, common...)
		cmds, outs = append(cmds, c), append(outs, out)
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("process %d: %v\n%s", i, err, outs[i])
		}
		var res engine.Result
		if err := json.Unmarshal(outs[i].Bytes(), &res); err != nil {
			t.Fatalf("process %d: %v\n%s", i, err, outs[i])
		}
		sameRuleResults(t, fmt.Sprintf("process %d", i), res, cold)
	}
	// One entry of states, one footer summary and one column list per
	// file, whichever process wrote them, the column list of the files'
	// one footer schema, and the component types and the exported-state
	// probe's passing of the one scope.
	des, _ := os.ReadDir(filepath.Join(cache, "dq", "state"))
	var entries []os.DirEntry
	for _, e := range des {
		if strings.HasSuffix(e.Name(), ".st") { // not the store's size marks
			entries = append(entries, e)
		}
	}
	kinds := map[string]int{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(cache, "dq", "state", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		kinds[string(b[:min(len(b), 8)])]++
	}
	if len(entries) != 21 || kinds["DQSTATE\n"] != 6 || kinds["DQBYTES\n"] != 15 {
		t.Errorf("%d entries in the state cache (%v), want one of states, one footer summary and one column list per file (6, 6 and 6), one column list of their schema, one of component types and one of the probe", len(entries), kinds)
	}
	c, out := dqProcess(t, cache, common...)
	if err := c.Wait(); err != nil {
		t.Fatalf("third run: %v\n%s", err, out)
	}
	var res engine.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("third run: %v\n%s", err, out)
	}
	sameRuleResults(t, "third run", res, cold)
}

func sameRuleResults(t *testing.T, what string, got, want engine.Result) {
	t.Helper()
	if len(got.RuleResults) != len(want.RuleResults) {
		t.Fatalf("%s: %d rules, want %d", what, len(got.RuleResults), len(want.RuleResults))
	}
	for i, w := range want.RuleResults {
		g := got.RuleResults[i]
		if g.Result != w.Result {
			t.Errorf("%s: %s: %s, want %s", what, w.Description, g.Result, w.Result)
		}
		for k, wv := range w.EvaluatedMetrics {
			if gv, ok := g.EvaluatedMetrics[k]; !ok || math.Abs(gv-wv) > 1e-12*math.Abs(wv) {
				t.Errorf("%s: %s: %s = %v, want %v", what, w.Description, k, gv, wv)
			}
		}
	}
}
