package sqlexpr

// Node is an expression. The concrete types below are the whole language;
// a switch over them in Dialect.Render is the one place each is rendered.
type Node interface{ node() }

type (
	// Col is a column of the relation the statement reads, by its exact
	// (already resolved) name.
	Col struct{ Name string }
	// Name is a name the statement itself binds (a derived column such as
	// a grouping scan's per-group count); rendered as a quoted identifier.
	Name struct{ Name string }
	// Num is a numeric literal. Integral values within ±2^53 render as
	// integers so that BIGINT columns compare exactly; NaN and ±Inf render
	// in the dialect's spelling.
	Num struct{ V float64 }
	// Str is a string literal.
	Str struct{ V string }
	// Bool is TRUE or FALSE.
	Bool struct{ V bool }
	// Null is the NULL literal.
	Null struct{}
	// Star is the * of count(*).
	Star struct{}

	// Call applies a scalar function from the dialect's table.
	Call struct {
		Fn   Func
		Args []Node
	}
	// Agg is an aggregate over the statement's rows. Filter (nil = every
	// row) restricts the rows it sees; it renders inside the arguments,
	// fn(CASE WHEN filter THEN arg END) and count(*) as
	// count(CASE WHEN filter THEN 1 END), which equals a FILTER clause for
	// the NULL-ignoring aggregates dq uses and costs DuckDB one vector per
	// aggregate instead of a chunk copy (see engine.filtered). A row where
	// Filter is NULL is not seen.
	Agg struct {
		Fn     Func
		Args   []Node
		Filter Node
	}
	// Binary is an infix operator.
	Binary struct {
		Op   Op
		L, R Node
	}
	// Not negates a boolean.
	Not struct{ X Node }
	// IsNull is X IS NULL, or X IS NOT NULL when Negate.
	IsNull struct {
		X      Node
		Negate bool
	}
	// In is X IN (List...), or NOT IN when Negate.
	In struct {
		X      Node
		List   []Node
		Negate bool
	}
	// Case is a searched CASE.
	Case struct {
		Whens []When
		Else  Node // nil = ELSE NULL
	}
	// Cast converts X to a neutral type; Try yields NULL instead of an
	// error when the value does not convert.
	Cast struct {
		X   Node
		To  Type
		Try bool
	}
	// Window is an aggregate over the rows that share the values of
	// PartitionBy (a window function: fn(...) OVER (PARTITION BY ...)),
	// one value per row; Agg.Filter restricts the rows counted, as for an
	// Agg. It can only be projected per row, not aggregated over.
	Window struct {
		Agg         Agg
		PartitionBy []Node
	}
	// Raw is user SQL kept as text (a where clause, a CustomSql
	// expression), in Spark syntax; the dialect rewrites its identifier
	// quoting. It is wrapped in parentheses when rendered.
	Raw struct{ SQL string }
	// Native is SQL text written for one dialect only: the planner's
	// constructs that are not (yet) expressed in this language (CustomSql's
	// rewritten statements, correlated subqueries over reference
	// datasets). It renders verbatim in that dialect, and
	// as *Unsupported in every other, naming What, so that a rule built
	// on it ERRORs on another engine instead of running something else.
	Native struct {
		Dialect string // Dialect.Name it is written in
		SQL     string
		What    string // the construct, for the error elsewhere
	}
)

// When is one branch of a Case.
type When struct{ Cond, Then Node }

// Op is a binary operator.
type Op string

// The operators.
const (
	Eq  Op = "="
	Ne  Op = "<>"
	Lt  Op = "<"
	Le  Op = "<="
	Gt  Op = ">"
	Ge  Op = ">="
	And Op = "AND"
	Or  Op = "OR"
	Add Op = "+"
	Sub Op = "-"
	Mul Op = "*"
	Div Op = "/"
)

// Type is a neutral SQL type; each dialect names it.
type Type string

// The types dq casts to.
const (
	Double    Type = "DOUBLE"
	BigInt    Type = "BIGINT"
	Varchar   Type = "VARCHAR"
	Boolean   Type = "BOOLEAN"
	Date      Type = "DATE"
	Timestamp Type = "TIMESTAMP"
	// TimestampTZ is an instant (TIMESTAMP WITH TIME ZONE). A literal
	// cast to it is written 'YYYY-MM-DD hh:mm:ss+00'.
	TimestampTZ Type = "TIMESTAMP WITH TIME ZONE"
)

func (Col) node()    {}
func (Name) node()   {}
func (Num) node()    {}
func (Str) node()    {}
func (Bool) node()   {}
func (Null) node()   {}
func (Star) node()   {}
func (Call) node()   {}
func (Agg) node()    {}
func (Binary) node() {}
func (Not) node()    {}
func (IsNull) node() {}
func (In) node()     {}
func (Case) node()   {}
func (Cast) node()   {}
func (Window) node() {}
func (Raw) node()    {}
func (Native) node() {}

// AndAll joins conditions with AND, skipping nil ones; nil when none remain.
func AndAll(conds ...Node) Node {
	var out Node
	for _, c := range conds {
		if c == nil {
			continue
		}
		if out == nil {
			out = c
		} else {
			out = Binary{Op: And, L: out, R: c}
		}
	}
	return out
}
