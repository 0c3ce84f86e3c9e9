// Package safety holds the helpers that keep secrets and hostile text in
// their place, in one copy for every caller: masking the secrets triage
// resolved out of captured output (Mask), redacting likely passwords from
// other programs' command lines (RedactArgs, RedactCmdline), and bounding
// captured output to its head and tail (Bound).
package safety
