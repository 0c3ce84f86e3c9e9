// Package readme keeps the README's generated parts in sync with the code:
// its test regenerates them (go test ./internal/readme -update) and fails
// when the README differs, so a new check or a changed default cannot go
// undocumented.
package readme
