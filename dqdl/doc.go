// Package dqdl is the DQDL language: a lexer and participle grammar that
// accept what AWS Glue Data Quality accepts, an AST with positions, the
// validation Glue performs (with better messages), and a canonical
// formatter. It does no I/O.
//
//	rs, err := dqdl.Parse("rules.dqdl", src)
//	if err != nil {
//		// err is a dqdl.ErrorList: every problem, each with file:line:col.
//	}
//	fmt.Print(rs.String()) // canonical text
package dqdl
