package main

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// commandPaths lists every command of the whole CLI as the words that
// select it ("eval", "history show").
func commandPaths(t *testing.T) [][]string {
	t.Helper()
	var cli CLI
	k, err := newParser(&cli, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	var walk func(n *kong.Node, path []string)
	walk = func(n *kong.Node, path []string) {
		for _, c := range n.Children {
			if c.Type != kong.CommandNode {
				continue
			}
			p := append(slices.Clone(path), c.Name)
			out = append(out, p)
			walk(c, p)
		}
	}
	walk(k.Model.Node, nil)
	return out
}

// helpOf prints the help of the command path with the parser built on
// target, as `dq PATH --help` does.
func helpOf(t *testing.T, target any, path []string) string {
	t.Helper()
	var out bytes.Buffer
	k, err := newParser(target, &out, &out)
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(kongExit); !ok {
					panic(r)
				}
			}
		}()
		if _, err := k.Parse(append(slices.Clone(path), "--help")); err != nil {
			t.Fatalf("%v --help: %v", path, err)
		}
	}()
	return out.String()
}

// TestCommandOnlyCLI checks that the model of one command that plain
// invocations are parsed with (commandOnlyCLI) is the whole model's
// subtree for that command: every command can be selected by its name, and
// its help, which kong renders from everything the model holds about the
// command (flags, groups, defaults, enums, placeholders, arguments,
// subcommands, the global flags), is identical.
func TestCommandOnlyCLI(t *testing.T) {
	for _, path := range commandPaths(t) {
		name := strings.Join(path, " ")
		cli := commandOnlyCLI(path)
		if wholeModelCommands[path[0]] {
			if cli.IsValid() {
				t.Errorf("%s: parsed with a model of its own; it needs the whole CLI", name)
			}
			continue
		}
		if !cli.IsValid() {
			t.Errorf("%s: commandOnlyCLI found no command named %q (commandName must match kong's name)", name, path[0])
			continue
		}
		var whole CLI
		want := helpOf(t, &whole, path)
		if got := helpOf(t, cli.Interface(), path); got != want {
			t.Errorf("%s --help differs with the command's own model:\n--- whole CLI\n%s\n--- command only\n%s", name, want, got)
		}
	}
}

// TestCommandOnlyCLIParsesLikeWholeCLI parses the same arguments with both
// models and compares the command's fields, --quiet and the selected
// command.
func TestCommandOnlyCLIParsesLikeWholeCLI(t *testing.T) {
	t.Setenv("DQ_PUBLISH_CONFIG", "from-env.yaml")
	for _, args := range [][]string{
		{"eval", "r.dqdl", "data.parquet"},
		{"-q", "eval", "--no-history", "--format", "json", "r.dqdl", "data/"},
		{"eval", "r.dqdl", "d.csv", "-q", "--ref", "other=o.parquet", "--memory-limit", "1GB", "--threads=2"},
		{"explain", "r.dqdl", "d.parquet"},
		{"profile", "d.parquet"},
		{"history", "list"},
		{"validate", "a.dqdl", "b.dqdl"},
		{"fmt", "-w", "a.dqdl"},
		{"rules"},
		{"version"},
	} {
		name := strings.Join(args, " ")
		cli := commandOnlyCLI(args)
		if !cli.IsValid() {
			t.Errorf("%s: not parsed with the command's own model", name)
			continue
		}
		kOnly, err := newParser(cli.Interface(), io.Discard, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		ctxOnly, errOnly := kOnly.Parse(args)
		var whole CLI
		kWhole, err := newParser(&whole, io.Discard, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		ctxWhole, errWhole := kWhole.Parse(args)
		if (errOnly == nil) != (errWhole == nil) {
			t.Fatalf("%s: errors differ: command only %v, whole %v", name, errOnly, errWhole)
		}
		if errWhole != nil {
			continue
		}
		if a, b := ctxOnly.Command(), ctxWhole.Command(); a != b {
			t.Errorf("%s: command %q, whole CLI %q", name, a, b)
		}
		if a, b := cli.Elem().FieldByName("Quiet").Bool(), whole.Quiet; a != b {
			t.Errorf("%s: quiet %v, whole CLI %v", name, a, b)
		}
		wv := reflect.ValueOf(whole)
		ov := cli.Elem()
		for i := range ov.NumField() {
			f := ov.Type().Field(i)
			if got, want := ov.Field(i).Interface(), wv.FieldByName(f.Name).Interface(); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: field %s parsed as\n%+v\nwhole CLI:\n%+v", name, f.Name, got, want)
			}
		}
	}
}

// TestParseArgsFallsBackToWholeCLI: what the command's own model cannot
// answer like the whole CLI goes to the whole CLI, so errors, help and the
// version read as before.
func TestParseArgsFallsBackToWholeCLI(t *testing.T) {
	for _, args := range [][]string{
		{"eval", "--no-such-flag", "r.dqdl", "d.parquet"},
		{"eval"},
		{"evl", "r.dqdl", "d.parquet"},
	} {
		_, _, errRun := parseArgs(args, io.Discard, io.Discard)
		var whole CLI
		k, err := newParser(&whole, io.Discard, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		_, errWhole := k.Parse(args)
		if errRun == nil || errWhole == nil || errRun.Error() != errWhole.Error() {
			t.Errorf("%v: parseArgs error %v, whole CLI %v", args, errRun, errWhole)
		}
	}
	for _, args := range [][]string{
		{"eval", "--help"}, {"eval", "-h"}, {"-qh", "eval"}, {"--help"}, {"--version", "--help"},
		{"help", "eval"}, {"completion", "bash"}, {"--quiet=true", "eval", "r", "d"}, {}, {"-q"},
	} {
		if commandOnlyCLI(args).IsValid() {
			t.Errorf("%v: parsed with the command's own model; needs the whole CLI", args)
		}
	}
}

// BenchmarkParseArgs is the command-line parsing every dq eval pays before
// the command runs, with the command's own model and with the whole CLI.
func BenchmarkParseArgs(b *testing.B) {
	args := []string{"eval", "--no-history", "--format", "json", "rules.dqdl", "data/"}
	b.Run("command-only", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := parseArgs(args, io.Discard, io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("whole-cli", func(b *testing.B) {
		for b.Loop() {
			var cli CLI
			k, err := newParser(&cli, io.Discard, io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := k.Parse(args); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestVersionWithoutWholeCLI: --version is answered from the global flags
// (or the command's own model) exactly as from the whole CLI.
func TestVersionWithoutWholeCLI(t *testing.T) {
	for _, args := range [][]string{
		{"--version"}, {"-q", "--version"}, {"eval", "--version", "r.dqdl", "d.parquet"}, {"--version", "eval"}, {"--version", "--bogus"},
	} {
		if !commandOnlyCLI(args).IsValid() {
			t.Errorf("%v: parsed with the whole CLI", args)
		}
		got := runDQ(t, "", args...)
		var out, errOut bytes.Buffer
		var whole CLI
		k, err := newParser(&whole, &out, &errOut)
		if err != nil {
			t.Fatal(err)
		}
		var wantCode int
		func() {
			defer func() {
				if r := recover(); r != nil {
					wantCode = int(r.(kongExit))
				}
			}()
			if _, err := k.Parse(args); err != nil {
				wantCode = exitInvalid
				fmt.Fprintf(&errOut, "dq: %v\n%s\n", err, `Run "dq --help" for usage.`)
			}
		}()
		if got.code != wantCode || got.stdout != out.String() || got.stderr != errOut.String() {
			t.Errorf("%v: got %d %q %q, whole CLI %d %q %q", args, got.code, got.stdout, got.stderr, wantCode, out.String(), errOut.String())
		}
	}
	if got := runDQ(t, "", "--version"); got.code != exitOK || got.stdout != versionString()+"\n" {
		t.Errorf("dq --version: %d %q, want %q", got.code, got.stdout, versionString())
	}
}
