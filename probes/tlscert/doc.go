// Package tlscert evaluates TLS certificates for the security layer: days to
// expiry, chain verification against the system roots or a configured CA,
// hostname match and the negotiated protocol, with every failure in words.
// It holds the `tls` kind (a live handshake) and the `cert_file` kind (PEM on
// disk), and the evaluation the http probe's `certificate` check shares.
//
// Verification is never skipped: handshakes run with the library's own
// verification replaced by Verify (so an expired or untrusted certificate can
// still be read and its expiry reported), and a failure is always crit.
package tlscert
