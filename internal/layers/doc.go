// Package layers holds the package floors of docs/layers.md to the code: its
// test reads the table there and the module's import graph (`go list -json`)
// and fails when a package imports from a floor above its own or from
// another layer on its floor, is missing from the table, or, below the
// screen, imports a terminal library.
package layers
