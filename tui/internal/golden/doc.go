// Package golden compares rendered screens with files in testdata/ and
// rewrites them under `go test ./tui/... -update`. Every test package under
// tui imports it, so the -update flag is defined wherever that command
// reaches.
package golden
