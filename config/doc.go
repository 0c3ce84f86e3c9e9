// Package config reads triage.yaml (docs/config.md) into a Config and
// validates it, every error named by file, line and column, and fills the
// defaults. It is the schema, not the wiring (docs/layers.md): every kind
// name, key and check is asked of the registry passed in as Kinds
// (kinds.Registry in the program), and turning a Config into running probes
// is probes/kinds' work. Config links no probe kind.
//
// It also owns the loading order of docs/config.md (--config, ./triage.yaml, the XDG
// config file, the built-in default) and the built-in default itself, which
// watches the local host and whatever answers on its standard local ports.
package config
