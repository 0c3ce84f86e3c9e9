package config

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/fivelayer/triage/probes/remedy/catalog"
)

// Enables reports whether the component's config enables the action: its
// section (catalog.Spec.Section) is present under `actions:`. Whether the
// section is complete enough to run is validation's and the guard's to say.
func (a Actions) Enables(k catalog.Kind) bool {
	s, ok := catalog.Lookup(k)
	return ok && a.Has(s.Section)
}

// Has reports whether the section named as in YAML (kill_session, restart,
// switchover) is present.
func (a Actions) Has(section string) bool {
	f, ok := actionField(reflect.ValueOf(a), section)
	return ok && !f.IsNil()
}

// Sections lists the present sections, in the order of catalog.Sections.
func (a Actions) Sections() []string {
	var out []string
	for _, s := range catalog.Sections() {
		if a.Has(s) {
			out = append(out, s)
		}
	}
	return out
}

// Enable sets the section named as in YAML to its empty value (a recorded
// session rebuilds what a component enabled without its details).
func (a *Actions) Enable(section string) error {
	f, ok := actionField(reflect.ValueOf(a).Elem(), section)
	if !ok {
		return fmt.Errorf("no action section %q (want one of %s)", section, strings.Join(catalog.Sections(), ", "))
	}
	if f.IsNil() {
		f.Set(reflect.New(f.Type().Elem()))
	}
	return nil
}

// actionField is the field of Actions whose yaml name is section.
func actionField(v reflect.Value, section string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name == section {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}
