// Package config reads triage.yaml (docs/config.md) into a Config, validates it
// against the probe-kind registry with every error named by file, line and
// column, fills the defaults, and builds the scheduler's targets from it.
//
// It also owns the loading order of docs/config.md (--config, ./triage.yaml, the XDG
// config file, the built-in default) and the built-in default itself, which
// watches the local host and whatever answers on its standard local ports.
//
// Probe kinds are never listed here: every kind name, key and check is asked
// of probes/kinds, so a kind registered there is configurable at once.
package config
