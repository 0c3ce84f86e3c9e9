package remedy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/user"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/remedy/catalog"
)

// Options configure a Guard. Zero values take the defaults noted.
type Options struct {
	// ReadOnly and Replay refuse every action.
	ReadOnly, Replay bool
	// AuditPath is the JSONL audit log; default DefaultAuditPath().
	AuditPath string
	// Now is the clock (tests).
	Now func() time.Time
	// Runner runs restart commands and traffic hooks; default ExecRunner.
	Runner Runner
	// Reprobe probes a component again and returns its worst status and a
	// one-line summary. The screen wires it to its scheduler, `triage act`
	// to one round of the component's configured probes (kinds.Reprobe);
	// without one, verification reports that nothing could probe again.
	Reprobe func(ctx context.Context, component string) (probes.Status, string)
	// LastKnownPosition returns the primary's last observed GTID position
	// (gtid_binlog_pos or gtid_executed) and when it was seen, for the
	// failover's "may be lost" list; nil or "" when never observed.
	LastKnownPosition func(component string) (string, time.Time)
	// VerifyTimeout bounds verification polling; default 10s for a kill, 30s
	// for a restart or a switchover.
	VerifyTimeout time.Duration
	// WaitTimeout bounds the standby's wait for the primary's position in a
	// switchover (MASTER_GTID_WAIT); default 30s.
	WaitTimeout time.Duration
	// MaxPlanAge refuses a preview older than this; default 10m.
	MaxPlanAge time.Duration
	// Operator, Origin and Host override what the audit records (tests);
	// defaults: $SUDO_USER/$USER, $SSH_CLIENT, os.Hostname().
	Operator, Origin, Host string
}

// Guard is the one gate every action goes through. It is safe for
// concurrent use.
type Guard struct {
	cfg   *config.Config
	opts  Options
	audit *auditLog
	*book // shared by every view of the guard (For)
	// who acts through this view; nil: the process's own operator (the
	// local screen, `triage act`), named by Options.Operator and Origin.
	principal *Principal
	// newAction builds the action for a request (a seam for tests).
	newAction func(g *Guard, kind ActionKind, comp *config.Component) (action, error)
}

// book is what every view of one guard shares: the previews handed out,
// the components with an action running and the secrets to redact. One
// action at a time per component holds across all SSH sessions.
type book struct {
	mu      sync.Mutex
	plans   map[string]*issued
	busy    map[string]bool // components with an action running
	secrets map[string]bool
}

// issued is a preview the guard handed out, with the action that made it
// and who asked for it (Principal.key; "" for the process's own operator).
type issued struct {
	plan Plan
	act  action
	by   string
}

// action is one kind of remediation behind the guard.
type action interface {
	// preview reads the live state and fills the plan.
	preview(ctx context.Context, p *Plan) error
	// recheck reads the preconditions and the bound identity again.
	recheck(ctx context.Context, p Plan) ([]Precondition, map[string]string, error)
	// run performs the steps, recording each in out; it sets out.Next on failure.
	run(ctx context.Context, p Plan, out *Outcome) error
	// verify probes again and sets out.Verified and out.Verification.
	verify(ctx context.Context, p Plan, out *Outcome)
	// close releases connections.
	close()
}

// NewGuard returns the guard for cfg.
func NewGuard(cfg *config.Config, opts Options) *Guard {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Runner == nil {
		opts.Runner = ExecRunner{}
	}
	if opts.AuditPath == "" {
		opts.AuditPath = DefaultAuditPath()
	}
	if opts.WaitTimeout <= 0 {
		opts.WaitTimeout = 30 * time.Second
	}
	if opts.MaxPlanAge <= 0 {
		opts.MaxPlanAge = 10 * time.Minute
	}
	if opts.Reprobe == nil {
		opts.Reprobe = func(context.Context, string) (probes.Status, string) {
			return probes.Unknown, "not verified: no way to probe the component again was given"
		}
	}
	if opts.Operator == "" {
		opts.Operator = currentOperator()
	}
	if opts.Origin == "" {
		opts.Origin = os.Getenv("SSH_CLIENT")
	}
	if opts.Host == "" {
		opts.Host, _ = os.Hostname()
	}
	g := &Guard{
		cfg: cfg, opts: opts, audit: &auditLog{path: opts.AuditPath},
		book:      &book{plans: map[string]*issued{}, busy: map[string]bool{}, secrets: map[string]bool{}},
		newAction: buildAction,
	}
	for _, s := range cfg.Secrets() {
		g.addSecret(s)
	}
	return g
}

// AuditPath is the file the guard appends to.
func (g *Guard) AuditPath() string { return g.opts.AuditPath }

func currentOperator() string {
	name := os.Getenv("USER")
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	if su := os.Getenv("SUDO_USER"); su != "" && su != name {
		return su + " (sudo as " + name + ")"
	}
	return name
}

// addSecret keeps s out of every audit record.
func (g *Guard) addSecret(s string) {
	if s == "" {
		return
	}
	g.mu.Lock()
	g.secrets[s] = true
	g.mu.Unlock()
}

// allSecrets is every secret the guard knows plus every secret the config
// resolves now (an environment variable set since the guard was made).
func (g *Guard) allSecrets() []string {
	for _, s := range g.cfg.Secrets() {
		g.addSecret(s)
	}
	return g.secretList()
}

func (g *Guard) secretList() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]string, 0, len(g.secrets))
	for s := range g.secrets {
		out = append(out, s)
	}
	return out
}

// gate returns the component, or the refusal that applies regardless of
// live state: read-only, replay, no such component, not enabled.
func (g *Guard) gate(req Request) (*config.Component, error) {
	switch {
	case g.principal != nil && g.principal.Role != RoleOperator:
		return nil, fmt.Errorf("%w: %s", ErrViewer, g.principal.Describe())
	case g.opts.ReadOnly:
		return nil, ErrReadOnly
	case g.opts.Replay:
		return nil, ErrReplay
	}
	comp, ok := g.cfg.Component(req.Component)
	if !ok {
		return nil, fmt.Errorf("%w: no component %q", ErrNotEnabled, req.Component)
	}
	if err := enabled(req.Action, comp); err != nil {
		return nil, err
	}
	return comp, nil
}

// Preview reads the live state and returns the plan. It never changes
// anything. A plan that cannot run carries its Refusal; the error is
// reserved for requests that name no known action.
func (g *Guard) Preview(ctx context.Context, req Request) (Plan, error) {
	if req.Operator == "" || g.principal != nil { // a session never names someone else
		req.Operator = g.opts.Operator
	}
	if req.Origin == "" || g.principal != nil {
		req.Origin = g.opts.Origin
	}
	p := Plan{Request: req, ID: newID(), Created: g.opts.Now(), Target: req.Component}
	if _, known := catalog.Lookup(req.Action); !known {
		return p, fmt.Errorf("unknown action %q (want one of %s)", req.Action, kindList())
	}
	comp, gateErr := g.gate(req)
	if gateErr == nil {
		gateErr = g.audit.check() // an unusable audit log refuses before anything is typed
	}
	if gateErr != nil {
		p.Refusal, p.Label = gateErr, describe(req)
		if errors.Is(gateErr, ErrViewer) {
			g.auditViewer(p) // someone who may only look tried to act: on record
		}
		return g.issue(p, nil), nil
	}
	act, err := g.newAction(g, req.Action, comp)
	if err != nil {
		p.Refusal, p.Label = err, describe(req)
		return g.issue(p, nil), nil
	}
	if err := act.preview(ctx, &p); err != nil && p.Refusal == nil {
		p.Refusal = err
	}
	p.ConfirmWord, p.SecondConfirm = confirmWords(p, comp)
	if p.Refusal == nil && p.ConfirmWord == "" { // an empty word would confirm itself
		p.Refusal = fmt.Errorf("%w: no word to confirm %s with", ErrNoTarget, req.Action)
	}
	if p.Refusal == nil && !allOK(p.Preconditions) {
		p.Refusal = fmt.Errorf("%w: %s", ErrPrecondition, failed(p.Preconditions))
	}
	if p.Refusal == nil {
		if err := g.cooldown(req, comp); err != nil {
			p.Refusal = err
		}
	}
	if p.Refusal != nil {
		act.close() // Execute will refuse without it
	}
	return g.issue(p, act), nil
}

// issue keeps the guard's own copy of a preview for Execute, and drops
// previews too old to execute so an abandoned dialog leaks nothing.
func (g *Guard) issue(p Plan, act action) Plan {
	var stale []*issued
	g.mu.Lock()
	for id, is := range g.plans {
		if p.Created.Sub(is.plan.Created) > g.opts.MaxPlanAge {
			stale = append(stale, is)
			delete(g.plans, id)
		}
	}
	g.plans[p.ID] = &issued{plan: clonePlan(p), act: act, by: g.principal.key()}
	g.mu.Unlock()
	for _, is := range stale {
		if is.act != nil {
			is.act.close()
		}
	}
	return p
}

// Forget drops a preview the operator cancelled and closes its connections.
func (g *Guard) Forget(p Plan) {
	g.mu.Lock()
	is := g.plans[p.ID]
	delete(g.plans, p.ID)
	g.mu.Unlock()
	if is != nil && is.act != nil {
		is.act.close()
	}
}

// kindList is the known actions for a message.
func kindList() string {
	var ks []string
	for _, s := range catalog.All() {
		ks = append(ks, string(s.Kind))
	}
	return strings.Join(ks, ", ")
}

// enabled says whether comp's config enables kind (its catalog section is
// present) with what the action needs to run: a restart's argv, a
// switchover's standby.
func enabled(kind ActionKind, comp *config.Component) error {
	a := comp.Actions
	switch {
	case !a.Enables(kind):
	case kind == Restart && len(a.Restart.Argv) == 0:
		return fmt.Errorf("%w: restart on %q has no argv", ErrNotEnabled, comp.Name)
	case (kind == Switchover || kind == Failover) && a.Switchover.Standby == "":
		return fmt.Errorf("%w: %s on %q has no standby", ErrNotEnabled, kind, comp.Name)
	default:
		return nil
	}
	return fmt.Errorf("%w: %s on %q (add it under the component's actions:)", ErrNotEnabled, kind, comp.Name)
}

// confirmWords are the words the operator types for p, as the catalog
// names them: the thread id, the component's or the standby's name.
func confirmWords(p Plan, comp *config.Component) (string, string) {
	s, _ := catalog.Lookup(p.Action)
	word := func(w catalog.Word) string {
		switch w {
		case catalog.Thread:
			if p.Thread != 0 {
				return strconv.FormatInt(p.Thread, 10)
			}
		case catalog.Component, catalog.Primary:
			return comp.Name
		case catalog.Standby:
			if sw := comp.Actions.Switchover; sw != nil {
				return sw.Standby
			}
		}
		return ""
	}
	return word(s.Confirm), word(s.Second)
}

func describe(req Request) string {
	return fmt.Sprintf("%s %s", req.Action, req.Component)
}

func failed(ps []Precondition) string {
	s := ""
	for _, p := range ps {
		if !p.OK {
			if s != "" {
				s += "; "
			}
			s += fmt.Sprintf("%s: want %s, got %s", p.Name, p.Want, p.Got)
		}
	}
	return s
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func clonePlan(p Plan) Plan {
	p.Commands = append([]string(nil), p.Commands...)
	p.Preconditions = append([]Precondition(nil), p.Preconditions...)
	p.Binding = maps.Clone(p.Binding)
	p.Warnings = append([]string(nil), p.Warnings...)
	return p
}
