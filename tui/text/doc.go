// Package text holds the screen's string helpers: Sanitize, which makes a
// string from the estate safe to draw, the sparkline, and the formatting of
// values, ages and clocks. It knows nothing about Bubble Tea.
package text
