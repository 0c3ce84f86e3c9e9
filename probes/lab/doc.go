// Package lab holds the embedded training estate's building blocks: real
// loopback servers that fail in real ways (refused, silent, accepting but
// never answering). Tests reuse them as their fault injectors.
package lab
