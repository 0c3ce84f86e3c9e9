package remedy

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
)

var (
	alice = Principal{Name: "alice@laptop", Fingerprint: "SHA256:aliceFP", Origin: "127.0.0.1:50001", Role: RoleOperator}
	bob   = Principal{Name: "bob@desk", Fingerprint: "SHA256:bobFP", Origin: "127.0.0.1:50002", Role: RoleViewer}
)

func principalGuard(t *testing.T) (*Guard, *fakeAction, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	g := NewGuard(fakeConfig(), Options{AuditPath: path, Operator: "local-user", Origin: "10.9.9.9 22 22"})
	fa := &fakeAction{runs: &atomic.Int32{}, pre: okPre, binding: map[string]string{"trx_id": "42"}}
	g.newAction = func(*Guard, ActionKind, *config.Component) (action, error) { return fa, nil }
	return g, fa, path
}

func TestViewerIsRefusedByTheGuard(t *testing.T) {
	g, fa, path := principalGuard(t)
	v := g.For(bob)
	plan, err := v.Preview(context.Background(), Request{Action: KillSession, Component: "db"})
	require.NoError(t, err)
	require.ErrorIs(t, plan.Refusal, ErrViewer)
	assert.Contains(t, plan.Refusal.Error(), "viewer")
	assert.False(t, plan.Ready())

	// Even a plan that claims to be someone else's runs nothing through a viewer.
	out, err := v.Execute(context.Background(), plan, plan.ConfirmWord, "")
	require.ErrorIs(t, err, ErrViewer)
	assert.Equal(t, ResultRefused, out.Result)
	assert.Zero(t, fa.runs.Load(), "a viewer never acts")

	recs, _, err := ReadAudit(path)
	require.NoError(t, err)
	require.Len(t, recs, 2, "the attempt at preview and the refused execution are on record")
	for _, r := range recs {
		assert.Equal(t, ResultRefused, r.Result)
		assert.Contains(t, r.Error, "viewer")
		assert.Equal(t, "bob@desk SHA256:bobFP", r.Operator, "the key, never the local user")
		assert.Equal(t, "ssh 127.0.0.1:50002", r.Origin)
	}
}

func TestOperatorActsUnderItsKey(t *testing.T) {
	g, fa, path := principalGuard(t)
	op := g.For(alice)
	// A request naming someone else is stamped with the session's key.
	plan, err := op.Preview(context.Background(), Request{Action: KillSession, Component: "db", Operator: "mallory", Origin: "elsewhere"})
	require.NoError(t, err)
	require.NoError(t, plan.Refusal)
	out, err := op.Execute(context.Background(), plan, plan.ConfirmWord, "")
	require.NoError(t, err)
	assert.Equal(t, ResultDone, out.Result)
	assert.EqualValues(t, 1, fa.runs.Load())

	recs, _, err := ReadAudit(path)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	for _, r := range recs {
		assert.Equal(t, "alice@laptop SHA256:aliceFP", r.Operator)
		assert.Equal(t, "ssh 127.0.0.1:50001", r.Origin)
	}

	// The local guard keeps the process's own operator.
	plan, err = g.Preview(context.Background(), Request{Action: KillSession, Component: "db"})
	require.NoError(t, err)
	assert.Equal(t, "local-user", plan.Operator)
}

func TestPreviewRunsOnlyForWhoeverAskedForIt(t *testing.T) {
	g, fa, _ := principalGuard(t)
	a, other := g.For(alice), g.For(Principal{Name: "carol", Fingerprint: "SHA256:carolFP", Origin: "127.0.0.1:50003", Role: RoleOperator})
	plan, err := a.Preview(context.Background(), Request{Action: KillSession, Component: "db"})
	require.NoError(t, err)
	_, err = other.Execute(context.Background(), plan, plan.ConfirmWord, "")
	require.ErrorIs(t, err, ErrUnknownPlan)
	_, err = g.Execute(context.Background(), plan, plan.ConfirmWord, "")
	require.ErrorIs(t, err, ErrUnknownPlan, "nor through the local guard")
	assert.Zero(t, fa.runs.Load())
	_, err = a.Execute(context.Background(), plan, plan.ConfirmWord, "")
	require.NoError(t, err)
}

func TestViewsShareOneActionPerComponent(t *testing.T) {
	g, fa, _ := principalGuard(t)
	a, c := g.For(alice), g.For(Principal{Name: "carol", Fingerprint: "SHA256:carolFP", Origin: "127.0.0.1:50003", Role: RoleOperator})
	pc, err := c.Preview(context.Background(), Request{Action: KillSession, Component: "db"})
	require.NoError(t, err)
	var second error
	fa.onRun = func() { _, second = c.Execute(context.Background(), pc, pc.ConfirmWord, "") }
	pa, err := a.Preview(context.Background(), Request{Action: KillSession, Component: "db"})
	require.NoError(t, err)
	_, err = a.Execute(context.Background(), pa, pa.ConfirmWord, "")
	require.NoError(t, err)
	require.ErrorIs(t, second, ErrBusy, "carol's kill while alice's runs on the same component")
	assert.EqualValues(t, 1, fa.runs.Load())
}
