// Package procedure answers the seed's flow chart (SPEC §5) from live
// results: the hints the drill-down shows for a component and the steps of
// the guide view. It is pure: results in, words out.
package procedure
