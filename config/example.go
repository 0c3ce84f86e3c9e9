package config

import _ "embed"

//go:embed example.yaml
var example string

// Example is a fully commented config with every top-level key, a component
// of each probe kind of docs/config.md with the kind's keys, all three actions,
// knowledge and thresholds. Parse accepts it.
func Example() string { return example }
