// Command dq checks data quality with DQDL, the rule language of AWS Glue
// Data Quality. See the README for the commands and the exit codes.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"reflect"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/dqlabs/dq/sinks/console"
)

// Exit codes are part of dq's interface: scripts and CI jobs branch on them.
// 1 is reserved for "the data failed the rules" so that a pipeline can tell
// bad data from a broken invocation (2) and from a machine that could not
// run the check (3). When several apply, the first of 4, 2, 1 wins (see
// EvalCmd.Run); 3 and a 2 that stops the run leave no result, so they never
// meet 1 or 4. The README's exit code table documents this.
const (
	exitOK      = 0
	exitFailed  = 1 // rules evaluated and at least one failed (dq eval)
	exitInvalid = 2 // invalid ruleset, usage error, or any error that prevented a verdict
	// exitCouldNotRun: the environment failed while the check ran — DuckDB
	// ran out of memory or spill space, an I/O error, a corrupt data file
	// or page. There is no verdict; running again on a healthy machine (or
	// with more --memory-limit) may give one. Distinct from 1 so that CI
	// does not read an out-of-memory run as bad data.
	exitCouldNotRun = 3
	// exitNotDelivered: the evaluation finished (its verdict is printed) but a
	// sink did not get the result; it is spooled for dq publish. It outranks
	// exitFailed because an alert that was never sent must not look handled.
	exitNotDelivered = 4
)

func main() {
	tuneGC(os.Args[1:])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first Ctrl-C cancels the run cleanly; restoring the default
	// handling then lets a second one end the process at once.
	go func() { <-ctx.Done(); stop() }()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// oneShotGCPercent is the GOGC dq's short-lived commands run with.
//
// A dq eval's Go heap stays at a few MB (the data lives in DuckDB's C++
// memory), so with Go's default (GOGC=100: collect when the heap doubles,
// at 4 MB at the least) a run spends several collections, stop-the-world
// pauses included, on garbage of flag parsing, footer and state decoding
// that the process's exit frees anyway: 2-3 collections and ~8-15 ms of
// CPU per incremental run of the day-31 benchmark on a shared 2-core
// machine. At 400 the heap may grow to 5x its live size, at least 16 MB,
// before a collection: a bound that still holds for the commands that do
// keep data in Go (profile, history, recommend).
const oneShotGCPercent = 400

// tuneGC sets oneShotGCPercent for every command but serve, which runs for
// days and keeps Go's default. A GOGC in the environment wins.
func tuneGC(args []string) {
	if os.Getenv("GOGC") != "" {
		return
	}
	// The global flags (-q, --version) take no value, so the first
	// argument that is not a flag names the command.
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			if a != "serve" {
				debug.SetGCPercent(oneShotGCPercent)
			}
			return
		}
	}
}

// exitError carries an exit code out of a command. When err is nil the
// command has already reported the problem (e.g. as diagnostics) and run
// prints nothing more.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// reported returns an error that exits with code without printing anything:
// the command has written its own diagnostics.
func reported(code int) error { return &exitError{code: code} }

// kongExit is panicked by kong's Exit hook. kong wants to call os.Exit after
// --help and --version; unwinding to run instead keeps run testable and lets
// deferred cleanup happen.
type kongExit int

// run is the whole program behind main, with its environment passed in so
// that tests can drive it without building and exec'ing a binary.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(kongExit)
			if !ok {
				panic(r)
			}
			// kong exits 1 on some of its own errors; dq reserves 1 for
			// failed rules.
			code = int(c)
			if code != exitOK {
				code = exitInvalid
			}
		}
	}()

	// Everything dq writes to stderr may quote data (column names, values,
	// file names, DuckDB messages): control characters are escaped so that
	// data cannot drive the terminal.
	escStderr := console.Escaper{W: stderr}
	kctx, quiet, err := parseArgs(args, stdout, stderr)
	if err != nil {
		var ie internalError
		if errors.As(err, &ie) {
			// The CLI struct is static, so this is a programming error.
			fmt.Fprintf(stderr, "dq: internal error: %v\n", ie.err)
			return exitInvalid
		}
		fmt.Fprintf(escStderr, "dq: %v\n", parseErrorHint(args, err))
		fmt.Fprintln(stderr, `Run "dq --help" for usage.`)
		return exitInvalid
	}

	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: escStderr, rawStderr: stderr, quiet: quiet}
	return exitCode(escStderr, kctx.Run(e))
}

// internalError is a failure to build the parser: a mistake in the CLI
// struct, not in the arguments.
type internalError struct{ err error }

func (e internalError) Error() string { return e.err.Error() }

// parseArgs parses args into a CLI and returns the command to run and whether
// --quiet was given.
//
// kong builds its model of the command line by reflection over every
// command's flags and parses each field's tag and help text: ~6 ms and
// 1.6 MB of garbage for dq's 200 flags, paid by every process before the
// command starts, most of it for commands that are not being run. So a
// plain invocation of one command (commandOnlyCLI) is parsed with a model
// of that command and the global flags alone, which kong parses exactly as
// the whole model's path to that command (kong resets, resolves and
// validates only the selected path). Whatever that cannot answer exactly
// like the whole model — a parse error, whose message or hint may name
// other commands — is parsed again with the whole CLI, as is a request
// for help (see commandOnlyCLI).
func parseArgs(args []string, stdout, stderr io.Writer) (kctx *kong.Context, quiet bool, err error) {
	if cli := commandOnlyCLI(args); cli.IsValid() {
		parser, err := newParser(cli.Interface(), stdout, stderr)
		if err != nil {
			return nil, false, internalError{err}
		}
		if kctx, err := parser.Parse(args); err == nil {
			return kctx, cli.Elem().FieldByName("Quiet").Bool(), nil
		}
	}
	var cli CLI
	parser, err := newParser(&cli, stdout, stderr)
	if err != nil {
		return nil, false, internalError{err}
	}
	kctx, err = parser.Parse(args)
	return kctx, cli.Quiet, err
}

// wholeModelCommands need kong's model of the whole CLI at run time:
// completion generates scripts from it and help prints any command's help.
var wholeModelCommands = map[string]bool{"completion": true, "help": true}

// commandOnlyCLI returns a pointer to a new struct holding CLI's global
// flags and the one command args run (the same fields with the same tags),
// or the zero Value when args must be parsed with the whole CLI: when they
// do not start with a command's name (after -q), when the command is one
// of wholeModelCommands, or when any argument may ask for help (kong
// prints it from the model, and help lists the model's commands; a
// short-flag cluster containing h is taken as a help request too, whatever
// it means). `dq [-q] --version ...` gets the global flags alone: kong
// prints the version before it checks for a command (and anything after
// --version that the global flags do not parse is a parse error, which
// goes to the whole CLI).
func commandOnlyCLI(args []string) reflect.Value {
	i := 0
	for i < len(args) && (args[i] == "-q" || args[i] == "--quiet") {
		i++
	}
	if i == len(args) || wholeModelCommands[args[i]] {
		return reflect.Value{}
	}
	for _, a := range args {
		if strings.HasPrefix(a, "--help") || (len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.ContainsRune(a, 'h')) {
			return reflect.Value{}
		}
	}
	t := reflect.TypeFor[CLI]()
	var fields []reflect.StructField
	found := args[i] == "--version"
	for f := range t.Fields() {
		if _, cmd := f.Tag.Lookup("cmd"); !cmd {
			fields = append(fields, f)
		} else if commandName(f) == args[i] {
			fields = append(fields, f)
			found = true
		}
	}
	if !found {
		return reflect.Value{}
	}
	return reflect.New(reflect.StructOf(fields))
}

// commandName is the name kong gives the command of field f: its name tag,
// or the field's name in lower case (kong writes CamelCase names with
// dashes; every such command of CLI has a name tag, which TestCommandOnlyCLI
// checks).
func commandName(f reflect.StructField) string {
	if name := f.Tag.Get("name"); name != "" {
		return name
	}
	return strings.ToLower(f.Name)
}

// exitCode reports err (unless it was already reported) and maps it to
// dq's exit code.
func exitCode(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var xe *exitError
	if errors.As(err, &xe) {
		if xe.err != nil {
			fmt.Fprintf(stderr, "dq: %v\n", xe.err)
		}
		return xe.code
	}
	fmt.Fprintf(stderr, "dq: %v\n", err)
	return exitInvalid
}

// newParser builds the kong parser for cli. Output goes to the given writers
// and kong's exits are turned into kongExit panics (see run).
func newParser(cli any, stdout, stderr io.Writer) (*kong.Kong, error) {
	return kong.New(cli,
		kong.Name("dq"),
		kong.Description("dq checks data quality with DQDL, the rule language of AWS Glue Data Quality."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(kongExit(code)) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Vars{"version": versionString()},
	)
}
