// Package remedytest holds test helpers for guarded actions against real
// components on loopback: an nginx in front of two backends with a traffic
// hook that repoints it (docs/sql.md §7d), and a writer that keeps
// inserting through whichever database nginx names, remembering every
// acknowledged commit, so a switchover test can prove no committed row was
// lost. Everything is started in temporary directories on 127.0.0.1 and
// stopped by pid in t.Cleanup.
package remedytest
