// Package lab holds the training estate's building blocks: real loopback
// servers that fail in real ways (refused, silent, accepting but never
// answering). Tests reuse them as their fault injectors; the estate itself
// (`triage lab`) is in the training sub-package.
package lab
