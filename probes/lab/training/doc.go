// Package training is the embedded training estate behind `triage lab`: an
// invoice application (Spring Boot actuator health and Micrometer metrics),
// an nginx-like front with a TLS port, stub_status and an error log, a DNS
// server and synthetic users, all real servers on 127.0.0.1 in this process,
// with faults that break them for real (503s, an exhausted pool, an open
// breaker, latency, a refused or silent port, SERVFAIL, an expiring
// certificate).
//
// It lives apart from package lab because it builds its config through the
// config package, which imports every probe kind; lab's fault injectors
// (Silent, Hanging, RefusedAddr) are imported by those kinds' own tests.
package training
