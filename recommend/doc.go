// Package recommend will profile datasets and recommend starting rulesets
// (`dq recommend`). It is planned work (the profiling and recommendation
// issue) and holds no code yet; the directory is part of the project's
// fixed layout.
package recommend
