package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// MaxFileSize bounds a config file: a real estate's config is a few
// kilobytes, and a bigger one is a mistake (or /dev/zero behind a symlink)
// that would otherwise cost minutes and gigabytes to parse.
const MaxFileSize = 1 << 20

// Load reads the config file at path and validates it against the kinds in ks.
func Load(path string, ks Kinds) (*Config, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path, ks)
}

// ReadFile reads a config file: a regular file (a symlink to one is fine)
// of at most MaxFileSize bytes. A FIFO, a device or a directory is refused
// at once: the open does not wait for a FIFO's writer.
func ReadFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	switch {
	case err != nil:
		return nil, fmt.Errorf("read config: %w", err)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("read config %s: not a regular file (%s)", path, fileType(st.Mode()))
	case st.Size() > MaxFileSize:
		return nil, fmt.Errorf("read config %s: %d bytes; a config may be at most %d bytes (1 MiB)", path, st.Size(), MaxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("read config: %w", err)
	case len(data) > MaxFileSize:
		return nil, fmt.Errorf("read config %s: grew past %d bytes (1 MiB) while being read", path, MaxFileSize)
	}
	return data, nil
}

func fileType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}

// Parse validates data as a config against the kinds in ks (every kind
// name, key and check is asked of it) and fills its defaults. source names
// the data in messages. Every problem found is returned at once as a
// *ValidationError; non-fatal findings go to Config.Warnings.
func Parse(data []byte, source string, ks Kinds) (*Config, error) {
	root, syntax := parseYAML(data)
	if syntax != nil {
		return nil, &ValidationError{Source: source, Issues: []Issue{*syntax}}
	}
	d := newDecoder(ks)
	cfg := &Config{Source: source}
	if root == nil {
		d.errorf(nil, "config is empty; see `triage config example`")
	} else {
		d.decodeStruct(root, reflect.ValueOf(cfg).Elem(), "", nil)
		if root.Kind == yaml.MappingNode {
			d.checkConfig(root, cfg)
		}
	}
	if len(d.errs) > 0 {
		sortIssues(d.errs)
		return nil, &ValidationError{Source: source, Issues: d.errs}
	}
	sortIssues(d.warnings)
	for _, w := range d.warnings {
		cfg.Warnings = append(cfg.Warnings, w.String())
	}
	sortIssues(d.lint)
	for _, w := range d.lint {
		cfg.Lint = append(cfg.Lint, w.String())
	}
	fill(cfg)
	return cfg, nil
}

// parseYAML reads the one document in data; root is nil for an empty one.
func parseYAML(data []byte) (root *yaml.Node, syntax *Issue) {
	if len(data) >= splitMin {
		if root, ok := parseSplit(data); ok {
			return root, nil
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxIssue(err, data)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		is := at(&extra, "only one YAML document is allowed (remove the second ---)")
		return nil, &is
	case !errors.Is(err, io.EOF):
		return nil, syntaxIssue(err, data)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

var (
	errLineRE  = regexp.MustCompile(`^line (\d+): (.*)$`)
	anchorRE   = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)
	parserErrs = map[string]bool{
		// yaml.v3 prints the line of these parser errors 0-based (the
		// scanner's errors are 1-based), so they are one line short.
		"did not find expected ',' or ']'":       true,
		"did not find expected ',' or '}'":       true,
		"did not find expected '-' indicator":    true,
		"did not find expected <document start>": true,
		"did not find expected key":              true,
		"did not find expected node content":     true,
		"found duplicate %TAG directive":         true,
		"found duplicate %YAML directive":        true,
		"found incompatible YAML document":       true,
		"found undefined tag handle":             true,
	}
)

// syntaxIssue places a yaml.v3 syntax error. yaml.v3 reports only a line
// (none on the first), so the column is the line's first non-blank
// character, or its first tab for a tab error.
func syntaxIssue(err error, data []byte) *Issue {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := errLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if parserErrs[msg] {
			line++
		}
	}
	lines := strings.Split(string(data), "\n")
	if m := anchorRE.FindStringSubmatch(msg); m != nil {
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			start := bytes.LastIndexByte(data[:i], '\n') + 1
			return &Issue{
				Line: bytes.Count(data[:i], []byte("\n")) + 1,
				Col:  utf8.RuneCount(data[start:i]) + 1,
				Msg:  "syntax error: " + msg,
			}
		}
	}
	line = max(line, 1)
	// An error at the end of the stream belongs to the last written line.
	for line > 1 && (line > len(lines) || strings.TrimSpace(lines[line-1]) == "" && restBlank(lines[line:])) {
		line--
	}
	col := 1
	if line <= len(lines) {
		text := lines[line-1]
		pos := strings.IndexFunc(text, func(r rune) bool { return !unicode.IsSpace(r) })
		// A tab in the indentation is the usual cause of both messages.
		if tab := strings.IndexByte(text, '\t'); tab >= 0 &&
			(strings.Contains(msg, "tab") || strings.Contains(msg, "cannot start any token")) {
			pos = tab
		}
		if pos >= 0 {
			col = len([]rune(text[:pos])) + 1
		}
	}
	return &Issue{Line: line, Col: col, Msg: "syntax error: " + msg}
}

func restBlank(lines []string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			return false
		}
	}
	return true
}
