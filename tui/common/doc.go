// Package common is what the screen's components share: the one Context
// (config, mode, clock, size, the latest Estate), the one Styles, and the
// Estate itself — the snapshot digested once per change into sanitised,
// display-ready items grouped by layer and component.
package common
