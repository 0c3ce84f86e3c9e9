package config

import (
	"encoding"
	"reflect"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// decoder walks a yaml.Node tree into Go values by their yaml tags, reporting
// every wrong type, unknown key and duplicate key with its position instead of
// stopping at the first. Types with a hook (probes.Spec) decode themselves.
type decoder struct {
	issues
	kinds   Kinds // the registry every kind name, key and check is asked of
	hooks   map[reflect.Type]func(d *decoder, n *yaml.Node, v reflect.Value)
	allowed map[string]map[string]bool // allowedKeys by kind name, for this config
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// decode fills v (addressable) from n; key names the value in messages.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, key string) {
	n = deref(n)
	if h, ok := d.hooks[v.Type()]; ok {
		h(d, n, v)
		return
	}
	if isNull(n) {
		// A present but empty action (`kill_session:`) enables it, as `{}` does.
		if v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Struct {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return
	}
	if v.Addr().Type().Implements(textUnmarshaler) {
		if d.expect(n, yaml.ScalarNode, key) {
			if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
				d.errorf(n, "%s%v", prefix(key), err)
			}
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), key)
	case reflect.Struct:
		d.decodeStruct(n, v, key, nil)
	case reflect.Slice:
		if !d.expect(n, yaml.SequenceNode, key) {
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), key)
		}
		v.Set(s)
	case reflect.Map:
		d.decodeMap(n, v, key)
	case reflect.String:
		if d.expect(n, yaml.ScalarNode, key) {
			v.SetString(n.Value)
		}
	case reflect.Bool:
		d.scalar(n, v, key, "true or false")
	case reflect.Int, reflect.Int64, reflect.Int32:
		d.scalar(n, v, key, "a whole number")
	case reflect.Float64, reflect.Float32:
		d.scalar(n, v, key, "a number")
	default:
		d.errorf(n, "%scannot read a %s", prefix(key), v.Type())
	}
}

// scalar decodes a bool or number with yaml.v3's own rules.
func (d *decoder) scalar(n *yaml.Node, v reflect.Value, key, want string) {
	if !d.expect(n, yaml.ScalarNode, key) {
		return
	}
	tmp := reflect.New(v.Type())
	if err := n.Decode(tmp.Interface()); err != nil {
		d.errorf(n, "%sexpected %s, got %s", prefix(key), want, describe(n))
		return
	}
	v.Set(tmp.Elem())
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, key string) {
	if !d.expect(n, yaml.MappingNode, key) {
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if !d.keyOK(k, seen) {
			continue
		}
		e := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, e, k.Value)
		m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), e)
	}
	v.Set(m)
}

// decodeStruct fills the struct v from the mapping n by yaml tag. allow, when
// set, vets each key (reporting it itself) instead of the unknown-key check.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, key string, allow func(k *yaml.Node) bool) {
	if !d.expect(n, yaml.MappingNode, key) {
		return
	}
	fields := fieldsOf(v.Type())
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if !d.keyOK(k, seen) {
			continue
		}
		idx, known := fields[k.Value]
		switch {
		case allow != nil:
			if !allow(k) {
				continue
			}
		case !known:
			d.unknownKey(k, keysOf(fields))
			continue
		}
		d.decode(val, v.FieldByIndex(idx), k.Value)
	}
}

// keyOK checks a mapping key is a plain, first-seen string.
func (d *decoder) keyOK(k *yaml.Node, seen map[string]*yaml.Node) bool {
	switch {
	case k.Kind != yaml.ScalarNode:
		d.errorf(k, "a key must be a plain name, got %s", describe(k))
		return false
	case k.Value == "<<" && k.Tag == "!!merge":
		d.errorf(k, "merge keys (<<) are not supported; repeat the keys")
		return false
	}
	if first, dup := seen[k.Value]; dup {
		d.errorf(k, "duplicate key %q (first at line %d)", k.Value, first.Line)
		return false
	}
	seen[k.Value] = k
	return true
}

// expect reports n unless it is of kind want.
func (d *decoder) expect(n *yaml.Node, want yaml.Kind, key string) bool {
	if n.Kind == want {
		return true
	}
	names := map[yaml.Kind]string{yaml.ScalarNode: "a single value", yaml.SequenceNode: "a list", yaml.MappingNode: "a mapping"}
	hint := ""
	if want == yaml.SequenceNode && n.Kind == yaml.ScalarNode {
		hint = " (write [a, b])"
	}
	d.errorf(n, "%sexpected %s, got %s%s", prefix(key), names[want], describe(n), hint)
	return false
}

func prefix(key string) string {
	if key == "" {
		return ""
	}
	return key + ": "
}

// describe names what n is, never quoting its value (it may be a secret).
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	case "!!null":
		return "nothing"
	}
	return "a string"
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// deref follows an alias (*name) to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// fieldCache holds fieldsOf by type: reflecting over a struct's tags for
// each of ten thousand components was a third of a large config's load.
var fieldCache sync.Map // reflect.Type → map[string][]int

// fieldsOf maps a struct's yaml names to field indexes. The map is shared:
// callers only read it.
func fieldsOf(t reflect.Type) map[string][]int {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string][]int)
	}
	m := reflectFields(t)
	fieldCache.Store(t, m)
	return m
}

func reflectFields(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		out[name] = f.Index
	}
	return out
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// child returns the key and value nodes of key in mapping n (nil, nil when absent).
func child(n *yaml.Node, key string) (k, v *yaml.Node) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], deref(n.Content[i+1])
		}
	}
	return nil, nil
}

// items returns the entries of sequence n (nil when n is not one).
func items(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = deref(c)
	}
	return out
}

// or returns the first non-nil node.
func or(ns ...*yaml.Node) *yaml.Node {
	for _, n := range ns {
		if n != nil {
			return n
		}
	}
	return nil
}
