package dqdl

import (
	"sync"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar mirrors Glue's DataQualityDefinitionLanguage.g4 as participle
// structs. It is deliberately a little wider than Glue's where a narrower
// grammar would only produce a worse message: conditions are one shape for
// all kinds (the rule type decides the kind during building), variables may
// hold any operand, and `not` may precede any operator. build.go rejects
// what Glue rejects, with positions and plain words.

type gDocument struct {
	Pos           lexer.Position
	Metadata      *gDict      `parser:"( 'Metadata' '=' @@ )?"`
	DataSources   *gDict      `parser:"( 'DataSources' '=' @@ )?"`
	Variables     []*gVarDecl `parser:"@@*"`
	DefaultLabels *gLabels    `parser:"( 'DefaultLabels' '=' @@ )?"`
	Rules         *gRules     `parser:"@@?"`
	Analyzers     *gAnalyzers `parser:"@@?"`
	Trailing      []*gAny     `parser:"@@*"`
}

type gDict struct {
	Pos   lexer.Position
	Pairs []*gPair `parser:"'{' ( @@ ( ',' @@ )* )? '}'"`
}

type gPair struct {
	Pos   lexer.Position
	Key   string    `parser:"@String ':'"`
	Value *string   `parser:"( @String"`
	List  *gStrList `parser:"| @@ )"`
}

type gStrList struct {
	Pos   lexer.Position
	Items []string `parser:"'[' ( @String ( ',' @String )* )? ']'"`
}

type gVarDecl struct {
	Pos   lexer.Position
	Name  string       `parser:"@Ident '='"`
	Value varValueNode `parser:"@@"`
}

type gLabels struct {
	Pos    lexer.Position
	Labels []*gLabel `parser:"'[' ( @@ ( ',' @@ )* )? ']'"`
}

type gLabel struct {
	Pos   lexer.Position
	Key   string `parser:"@String '='"`
	Value string `parser:"@String"`
}

type gRules struct {
	Pos    lexer.Position
	EndPos lexer.Position
	// Parse parses the rules itself, by hand (handparse.go), before
	// participle sees the document, and hands participle one Chunk token
	// standing for the whole list: participle's reflective backtracking
	// cost ~300 allocations per rule, and the Rules list is where a
	// ruleset's tokens are.
	Rules *string `parser:"'Rules' '=' '[' @Chunk? ']'"`
}

type gAnalyzers struct {
	Pos       lexer.Position
	EndPos    lexer.Position
	Analyzers []*gAnalyzer `parser:"'Analyzers' '=' '[' ( @@ ( ',' @@ )* )? ']'"`
}

type gAnalyzer struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Type   string     `parser:"@Ident"`
	Params paramsNode `parser:"@@"`
}

// gAny matches any token: whatever follows the last section. Glue stops
// reading there without a word; dq warns (spec §18 #26 as decided in the
// language issue).
type gAny struct {
	Pos lexer.Position
	Tok string `parser:"@( Ident | Int | Decimal | String | Date | Time | Keyword | And | Or | Of | Null | Empty | WsOnly | Between | In | Not | Now | Punct | Chunk )"`
}

var parserOptions = []participle.Option{
	participle.Lexer(lexerDef{}),
	participle.Elide("Comment"),
	// DQDL needs two tokens of lookahead (`3 days` vs `3`, `(now() ...` vs
	// `(1 + 2)`, a connector word vs a composite `and`). A branch that got
	// further than that before failing is reported as the error rather than
	// backtracked over, which keeps syntax errors where the mistake is.
	participle.UseLookahead(2),
	participle.ParseTypeWith(parseParams),
	participle.ParseTypeWith(parseVarValue),
}

// gStrictDocument is gDocument without the tolerance for trailing text;
// it is parsed only to locate the syntax error when the lenient parse
// found no Rules or Analyzers section.
type gStrictDocument struct {
	Metadata      *gDict      `parser:"( 'Metadata' '=' @@ )?"`
	DataSources   *gDict      `parser:"( 'DataSources' '=' @@ )?"`
	Variables     []*gVarDecl `parser:"@@*"`
	DefaultLabels *gLabels    `parser:"( 'DefaultLabels' '=' @@ )?"`
	Rules         *gRules     `parser:"( @@"`
	Analyzers     *gAnalyzers `parser:"  @@? | @@ )"`
}

// The parsers are built on first use rather than at package init: building
// one walks its grammar by reflection (~1 ms each), which every process
// that links dqdl would pay, and the strict one is needed only to locate a
// syntax error. sync.OnceValue makes the first use safe from any goroutine.
var (
	documentParser = sync.OnceValue(func() *participle.Parser[gDocument] {
		return participle.MustBuild[gDocument](parserOptions...)
	})
	strictParser = sync.OnceValue(func() *participle.Parser[gStrictDocument] {
		return participle.MustBuild[gStrictDocument](parserOptions...)
	})
)
