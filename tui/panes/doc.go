// Package panes draws the five layer panes of the main screen — each a title
// with the layer's status, the age of its data and its in-flight and
// timed-out counts, over the layer's checks grouped by component — and lays
// them out in a grid that fits 80×24 and uses a large screen.
package panes
