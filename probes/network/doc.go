// Package network holds the network layer's probe kinds — tcp (connect and
// expected ports), icmp (ping loss and RTT), dns (each resolver asked
// directly), http (reachability with the phases curl -v shows, status with
// actuator health, and the certificate) — and the on-demand path trace of the
// drill-down. Every probe takes its deadline from the context the scheduler
// gives it and stops a little before it, so a slow or silent target is
// reported by the probe with its evidence rather than by the scheduler's
// timeout.
package network
