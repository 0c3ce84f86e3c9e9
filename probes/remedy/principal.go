package remedy

import "fmt"

// Role is what a remote principal may do (docs/serve.md).
type Role string

// Roles. A key is a viewer unless its authorized_keys line marks it operator.
const (
	RoleViewer   Role = "viewer"
	RoleOperator Role = "operator"
)

// Principal is someone acting through a shared guard: an SSH key of
// `triage serve --ssh`. It never holds a secret: the key's comment, its
// SHA256 fingerprint and where the connection came from.
type Principal struct {
	Name        string // the key's comment in authorized_keys ("" when none)
	Fingerprint string // "SHA256:…", as ssh-keygen -l prints it
	Origin      string // the client's address (host:port)
	Role        Role
}

// Describe is the principal in words, as the audit's operator field and the
// timeline show it: "alice@laptop (SHA256:…)".
func (p Principal) Describe() string {
	name := p.Name
	if name == "" {
		name = "unnamed key"
	}
	return fmt.Sprintf("%s %s (%s)", p.Role, name, p.Fingerprint)
}

// key identifies the principal's previews; "" is the process's own operator.
func (p *Principal) key() string {
	if p == nil {
		return ""
	}
	return p.Fingerprint + " " + p.Origin
}

// For returns a view of the guard that acts as p: every preview and audit
// record names p's key and origin (whatever a Request says), and a viewer
// is refused with ErrViewer by the guard itself, before anything is read.
// The view shares the guard's previews, busy components and audit log, so
// one action at a time per component holds across all sessions; a preview
// executes only through the view that made it.
func (g *Guard) For(p Principal) *Guard {
	v := *g // the book is a pointer: shared
	v.principal = &p
	v.opts.Operator = p.Name + " " + p.Fingerprint
	if p.Name == "" {
		v.opts.Operator = p.Fingerprint
	}
	v.opts.Origin = "ssh " + p.Origin
	return &v
}

// auditViewer records a viewer's attempt to act (best effort: the refusal
// stands whether or not it is written).
func (g *Guard) auditViewer(p Plan) {
	out := Outcome{Plan: p, Result: ResultRefused, Err: p.Refusal, Next: "nothing was run: only an operator key may act"}
	rec := g.record(PhaseOutcome, p, out)
	_ = g.audit.append(rec, g.secretList())
}
