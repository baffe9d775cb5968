package argv

import "strings"

// FlagName returns the name of a "--name=value" or "--name" argument, or
// "" if arg is not a long flag.
func FlagName(arg string) string {
	if !strings.HasPrefix(arg, "--") {
		return ""
	}
	name, _, _ := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
	return name
}

// HasFlag reports whether args contain the long flag name.
func HasFlag(args []string, name string) bool {
	for _, a := range args {
		if FlagName(a) == name {
			return true
		}
	}
	return false
}

// A Default is a flag name and its default value.
type Default struct{ Name, Value string }

// SetDefault changes the value of the default named name in place.
func SetDefault(defaults []Default, name, value string) {
	for i := range defaults {
		if defaults[i].Name == name {
			defaults[i].Value = value
		}
	}
}

// Merge renders defaults as "--name=value" arguments, leaving out every
// default that extra names, and appends extra. Dropping instead of
// appending matters for list flags such as --authorization-mode, where a
// repeated flag would add to the list rather than replace it.
func Merge(defaults []Default, extra []string) []string {
	args := make([]string, 0, len(defaults)+len(extra))
	for _, d := range defaults {
		if !HasFlag(extra, d.Name) {
			args = append(args, "--"+d.Name+"="+d.Value)
		}
	}
	return append(args, extra...)
}

// Redact returns a copy of args with the values of credential flags
// (--token, --password, in "--flag=value" or "--flag value" form)
// replaced by REDACTED.
func Redact(args []string) []string {
	out := make([]string, len(args))
	redactNext := false
	for i, a := range args {
		switch name := FlagName(a); {
		case redactNext:
			out[i] = "REDACTED"
			redactNext = false
		case name == "token" || name == "password":
			if strings.Contains(a, "=") {
				out[i] = "--" + name + "=REDACTED"
			} else {
				out[i] = a
				redactNext = true
			}
		default:
			out[i] = a
		}
	}
	return out
}
