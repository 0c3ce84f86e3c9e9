// Package drill is the drill-down into one component: every check it has
// across the layers, the selected check's evidence (tables for lists,
// key: value otherwise) and history chart, the procedure's hints, the
// knowledge from config and the actions the component allows.
package drill
