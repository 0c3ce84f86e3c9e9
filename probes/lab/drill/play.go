package drill

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fivelayer/triage/internal/safety"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/lab/training"
)

// Lab is what a drill needs of the training estate (*training.Estate).
type Lab interface {
	Faults() []training.Fault
	Toggle(key string) error
}

// Player plays drills on a running lab: it injects each fault without
// naming it, hands the screen to the trainee, watches for the end, and
// writes the score and the debrief.
type Player struct {
	Lab      Lab
	Sched    Snapshotter
	Topology *incident.Topology
	// Trigger asks for a probe round now (after an injection).
	Trigger func()
	// Screen shows the estate to the trainee until ctx ends (the drill is
	// over) or the trainee quits; observe takes what the trainee does.
	Screen func(ctx context.Context, observe func(Event)) error
	// Pause runs between two drills of a series (e.g. waits for enter);
	// nil: none. An error ends the series.
	Pause func(ctx context.Context) error
	// Limit is each drill's time limit; 0: none.
	Limit time.Duration
	// SettleLimit bounds the wait for a green estate before an injection;
	// default 90s (the lab's longest window, nginx's error log over a
	// minute, plus rounds).
	SettleLimit time.Duration
	// Dir is the state directory (drills/ is made in it); Secrets are masked
	// in what is written.
	Dir     string
	Secrets []string
	Out     io.Writer
	Now     func() time.Time
}

// Played is one drill's result and where it was written.
type Played struct {
	Result Result `json:"-"`
	Files  Files  `json:"-"`
	// The series file's view of it.
	Fault   string `json:"fault"`
	Ending  string `json:"ending"`
	Score   int    `json:"score"`
	Debrief string `json:"debrief"`
	ScoreAt string `json:"score_file"`
}

// Series is what a series (or a single drill) came to.
type Series struct {
	Seed   uint64   `json:"seed"`
	Drills []Played `json:"drills"`
	Total  int      `json:"total"`
	Max    int      `json:"max"`
	// File is where the series summary was written ("" for a single drill).
	File string `json:"-"`
}

// Play plays faults in order. It stops early when the trainee quits or ctx
// ends; what was played is returned and written either way.
func (p Player) Play(ctx context.Context, seed uint64, faults []string) (Series, error) {
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Out == nil {
		p.Out = io.Discard
	}
	if p.SettleLimit <= 0 {
		p.SettleLimit = 90 * time.Second
	}
	s := Series{Seed: seed, Drills: []Played{}}
	var errs []error
	for i, f := range faults {
		if i > 0 && p.Pause != nil {
			if err := p.Pause(ctx); err != nil {
				break
			}
		}
		if ctx.Err() != nil {
			break
		}
		pl, err := p.one(ctx, f, i+1, len(faults))
		if err != nil {
			errs = append(errs, err)
			break
		}
		s.Drills = append(s.Drills, pl)
		s.Total += pl.Score
		s.Max += pl.Result.Score.Max
		if pl.Ending == string(Quit) {
			break
		}
	}
	if len(faults) > 1 && len(s.Drills) > 0 {
		fmt.Fprintf(p.Out, "\nseries (seed %d): %d / %d over %d of %d drills\n", seed, s.Total, s.Max, len(s.Drills), len(faults))
		file, err := p.writeSeries(s)
		if err != nil {
			errs = append(errs, err)
		} else {
			s.File = file
			fmt.Fprintf(p.Out, "  series summary: %s\n", file)
		}
	}
	return s, errors.Join(errs...)
}

// one plays one drill.
func (p Player) one(ctx context.Context, fault string, n, of int) (Played, error) {
	k, ok := Lookup(p.Lab.Faults(), fault)
	if !ok {
		return Played{}, fmt.Errorf("%w %q", ErrNoDrill, fault)
	}
	if err := p.reset(ctx); err != nil {
		fmt.Fprintf(p.Out, "note: %v; the drill starts anyway\n", err)
	}
	fmt.Fprintf(p.Out, "drill %d of %d: something in the estate is about to fail. Find the root cause and fix it", n, of)
	if p.Limit > 0 {
		fmt.Fprintf(p.Out, " (time limit %s)", p.Limit)
	}
	fmt.Fprintln(p.Out, ".")
	if err := p.Lab.Toggle(fault); err != nil {
		return Played{}, fmt.Errorf("inject: %w", err)
	}
	sess := NewSession(k, p.Now())
	if p.Trigger != nil {
		p.Trigger()
	}
	dctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if Watch(dctx, sess, p.Sched, WatchOptions{Topology: p.Topology, Active: func() bool { return p.active(fault) },
			Limit: p.Limit, Now: p.Now}) != "" {
			cancel() // the drill is over: close the screen
		}
	}()
	err := p.Screen(dctx, sess.Observe)
	cancel()
	wg.Wait()
	if !sess.Ended() {
		sess.Observe(Event{Time: p.Now(), Kind: Quit})
	}
	if err != nil {
		fmt.Fprintf(p.Out, "the screen ended with an error: %v\n", err)
	}
	r := sess.Result()
	files, werr := Write(p.Dir, r, p.Secrets)
	pl := Played{Result: r, Files: files, Fault: r.Fault, Ending: r.Ending, Score: r.Score.Total, Debrief: files.Debrief, ScoreAt: files.Score}
	p.summary(r, files)
	if p.active(fault) { // quit or time up: leave the estate healthy
		_ = p.Lab.Toggle(fault)
	}
	return pl, werr
}

// reset clears every active fault and waits for a green estate.
func (p Player) reset(ctx context.Context) error {
	fmt.Fprintln(p.Out, "waiting for the estate to be green…")
	for _, f := range p.Lab.Faults() {
		if f.Active {
			if err := p.Lab.Toggle(f.Key); err != nil {
				return fmt.Errorf("clear %s: %w", f.Key, err)
			}
		}
	}
	if p.Trigger != nil {
		p.Trigger()
	}
	return WaitGreen(ctx, p.Sched, p.Topology, p.SettleLimit, 0)
}

func (p Player) active(fault string) bool {
	for _, f := range p.Lab.Faults() {
		if f.Key == fault {
			return f.Active
		}
	}
	return false
}

// summary prints the result after the screen closed: the fault is named now.
func (p Player) summary(r Result, f Files) {
	w := p.Out
	fmt.Fprintf(w, "\nthe fault was: %s — %s\n", clean(r.Name), clean(r.Cause))
	fmt.Fprintf(w, "  ending: %s after %ss\n", endingText(r.Ending), fmtSec(r.Duration))
	fmt.Fprintf(w, "  drill-down on %s: %s; right action: %s; green: %s\n", clean(r.RootCause),
		secOrNever(r.TimeToDrillDown), secOrNever(r.TimeToRightAction), secOrNever(r.TimeToGreen))
	fmt.Fprintf(w, "  wrong actions: %d, risky: %d, hints: %d\n", len(r.Wrong), len(r.Risky), r.Hints.GuideOpened+r.Hints.StepsAnswered)
	fmt.Fprintf(w, "  score: %d / %d\n", r.Score.Total, r.Score.Max)
	if f.Debrief != "" {
		fmt.Fprintf(w, "  debrief: %s\n  score file: %s\n", f.Debrief, f.Score)
	}
}

func (p Player) writeSeries(s Series) (string, error) {
	d := filepath.Join(p.Dir, "drills")
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", fmt.Errorf("series summary: %w", err)
	}
	name := filepath.Join(d, s.Drills[0].Result.Started.UTC().Format("20060102-150405")+"-series.json")
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", fmt.Errorf("series summary: %w", err)
	}
	b, _ = safety.MaskJSON(b, p.Secrets, safety.Masked)
	if err := os.WriteFile(name, append(b, '\n'), 0o600); err != nil {
		return "", fmt.Errorf("series summary: %w", err)
	}
	return name, nil
}
