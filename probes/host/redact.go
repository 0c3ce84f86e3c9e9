package host

import "regexp"

// secretArgs match secrets people pass on command lines: --password=x,
// --token x, -pSECRET (mysql), key=value pairs, and user:password@ in URLs.
var secretArgs = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`(?i)(://[^/\s:@]*:)[^@\s/]+@`), "${1}***@"},
	{regexp.MustCompile(`(?i)(--?[a-z0-9_.-]*(?:password|passwd|pass|pwd|secret|token|api[-_]?key|credentials?)[a-z0-9_.-]*(?:=|\s+))\S+`), "${1}***"},
	{regexp.MustCompile(`(?i)(\b[a-z0-9_.]*(?:password|passwd|pwd|secret|token|api[-_]?key)[a-z0-9_.]*=)[^\s&;]+`), "${1}***"},
	{regexp.MustCompile(`(^|\s)(-p)[^\s]+`), "${1}${2}***"},
}

// redactCmdline masks likely secrets in a process's command line before it
// goes into evidence: other people's argv is not triage's to publish.
func redactCmdline(s string) string {
	for _, r := range secretArgs {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return s
}
