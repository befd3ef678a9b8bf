package dqdl

import (
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
	Rules  []*gOr `parser:"'Rules' '=' '[' ( @@ ( ',' @@ )* )? ']'"`
}

type gAnalyzers struct {
	Pos       lexer.Position
	EndPos    lexer.Position
	Analyzers []*gAnalyzer `parser:"'Analyzers' '=' '[' ( @@ ( ',' @@ )* )? ']'"`
}

type gAnalyzer struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Type   string    `parser:"@Ident"`
	Params []*gParam `parser:"@@*"`
}

// AND binds tighter than OR, as in Glue's left-recursive topLevelRule
// (its AND alternative is listed first).
type gOr struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Terms  []*gAnd `parser:"@@ ( Or @@ )*"`
}

type gAnd struct {
	Pos     lexer.Position
	Factors []*gFactor `parser:"@@ ( And @@ )*"`
}

type gFactor struct {
	Pos         lexer.Position
	Group       *gOr     `parser:"( '(' @@ ')'"`
	GroupLabels *gLabels `parser:"  ( 'labels' '=' @@ )? )"`
	Rule        *gRule   `parser:"| @@"`
}

type gRule struct {
	Pos     lexer.Position
	Type    string     `parser:"@Ident"`
	Params  []*gParam  `parser:"@@*"`
	Cond    condNode   `parser:"@@?"`
	Where   *gWhere    `parser:"@@?"`
	Clauses []*gClause `parser:"@@*"`
}

type gParam struct {
	Pos       lexer.Position
	Connector string  `parser:"@( Of | And )?"`
	Str       *string `parser:"( @String"`
	Ident     *string `parser:"| @Ident"`
	Var       *string `parser:"| '$' @Ident )"`
}

type gWhere struct {
	Pos lexer.Position
	SQL string `parser:"'where' @String"`
}

// gClause is a `labels=[...]` or a `with key <condition>` tag. Glue's
// grammar puts labels before the tags while its docs and printer put them
// after; both orders are accepted (spec §18 #1).
type gClause struct {
	Pos    lexer.Position
	Labels *gLabels `parser:"  'labels' '=' @@"`
	Tag    *gTag    `parser:"| @@"`
}

type gTag struct {
	Pos  lexer.Position
	Key  string   `parser:"'with' @Ident"`
	Cond condNode `parser:"@@"`
}

// gAny matches any token: whatever follows the last section. Glue stops
// reading there without a word; dq warns (spec §18 #26 as decided in the
// language issue).
type gAny struct {
	Pos lexer.Position
	Tok string `parser:"@( Ident | Int | Decimal | String | Date | Time | Keyword | And | Or | Of | Null | Empty | WsOnly | Between | In | Not | Now | Punct )"`
}

var parserOptions = []participle.Option{
	participle.Lexer(lexerDef{}),
	participle.Elide("Comment"),
	// DQDL needs two tokens of lookahead (`3 days` vs `3`, `(now() ...` vs
	// `(1 + 2)`, a connector word vs a composite `and`). A branch that got
	// further than that before failing is reported as the error rather than
	// backtracked over, which keeps syntax errors where the mistake is.
	participle.UseLookahead(2),
	participle.ParseTypeWith(parseCondition),
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

var (
	documentParser = participle.MustBuild[gDocument](parserOptions...)
	strictParser   = participle.MustBuild[gStrictDocument](parserOptions...)
	clauseParser   = participle.MustBuild[gClause](parserOptions...)
	ruleParser     = participle.MustBuild[gOr](parserOptions...)
)
