package awsquery

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

// maxReportedErrors caps how many constraint violations one error message
// lists; AWS's messages list every violation, but a hostile request with
// thousands of bad members must not produce a megabyte-long error.
const maxReportedErrors = 10

// Validate checks form against an operation's input model and returns
// AWS's ValidationError ("1 validation error detected: Value 'x' at
// 'roleSessionName' failed to satisfy constraint: ...") listing every
// violation, or nil.
func Validate(form url.Values, op *Operation) error {
	if op == nil || op.Input == nil {
		return nil
	}
	v := validator{form: form}
	for k := range form {
		if strings.IndexByte(k, '.') >= 0 {
			v.nested = true
			break
		}
	}
	v.structure("", "", op.Input)
	if len(v.errs) == 0 {
		return nil
	}
	n := len(v.errs)
	errs := v.errs
	if len(errs) > maxReportedErrors {
		errs = errs[:maxReportedErrors]
	}
	noun := "errors"
	if n == 1 {
		noun = "error"
	}
	return apierror.ValidationError(fmt.Sprintf("%d validation %s detected: %s", n, noun, strings.Join(errs, "; ")))
}

type validator struct {
	form url.Values
	errs []string
	// sensitive is set while checking a sensitive member's value.
	sensitive bool
	// nested reports a form key with a dot (a list, map or structure
	// member); without one, present needs no scan of the form.
	nested bool
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func (v *validator) fail(value *string, path, constraint string) {
	val := "null "
	if value != nil {
		val = "'" + truncate(*value, 256) + "' "
		if v.sensitive {
			val = ""
		}
	}
	v.errs = append(v.errs, fmt.Sprintf("Value %sat '%s' failed to satisfy constraint: %s", val, path, constraint))
}

// truncate bounds echoed values; AWS echoes them whole, but we never want a
// 10 KB value (or a secret pasted by mistake) repeated in full.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// present reports whether any form key equals key or starts with key+".".
func (v *validator) present(key string) bool {
	if _, ok := v.form[key]; ok {
		return true
	}
	if !v.nested {
		return false
	}
	for k := range v.form {
		if len(k) > len(key) && k[len(key)] == '.' && strings.HasPrefix(k, key) {
			return true
		}
	}
	return false
}

// memberPath is the path of a member in validation messages
// ("policyArns.1.member.arn"), built only when a message needs it: valid
// requests, the common case, never pay for it.
type memberPath struct {
	parent, name string // parent path and model member name, or
	full         string // the whole path
}

func (p memberPath) String() string {
	if p.full != "" || p.name == "" {
		return p.full
	}
	return join(p.parent, lowerFirst(p.name))
}

func (v *validator) structure(key, path string, s *Shape) {
	for i := range s.Members {
		m := &s.Members[i]
		k := join(key, m.Name)
		if !v.present(k) {
			if m.Required {
				v.fail(nil, join(path, lowerFirst(m.Name)), "Member must not be null")
			}
			continue
		}
		switch m.Shape.Kind {
		case KindStructure, KindList, KindMap:
			v.value(k, join(path, lowerFirst(m.Name)), m.Shape)
		default:
			if vals := v.form[k]; len(vals) > 0 {
				v.scalar(vals[0], memberPath{parent: path, name: m.Name}, m.Shape)
			}
		}
	}
}

func (v *validator) value(key, path string, s *Shape) {
	switch s.Kind {
	case KindStructure:
		v.structure(key, path, s)
	case KindList:
		v.list(key, path, s)
	case KindMap:
		v.mapping(key, path, s)
	default:
		vals, ok := v.form[key]
		if !ok || len(vals) == 0 {
			return
		}
		v.scalar(vals[0], memberPath{full: path}, s)
	}
}

func (v *validator) scalar(val string, mp memberPath, s *Shape) {
	v.sensitive = s.Sensitive
	defer func() { v.sensitive = false }()
	switch s.Kind {
	case KindString:
		n := int64(utf8.RuneCountInString(val))
		if s.HasMin && n < s.Min {
			v.fail(&val, mp.String(), fmt.Sprintf("Member must have length greater than or equal to %d", s.Min))
		}
		if s.HasMax && n > s.Max {
			v.fail(&val, mp.String(), fmt.Sprintf("Member must have length less than or equal to %d", s.Max))
		}
		if s.Pattern != nil && !s.Pattern.MatchString(val) {
			v.fail(&val, mp.String(), "Member must satisfy regular expression pattern: "+s.PatternText)
		}
		if len(s.Enum) > 0 {
			found := false
			for _, e := range s.Enum {
				if e == val {
					found = true
					break
				}
			}
			if !found {
				v.fail(&val, mp.String(), "Member must satisfy enum value set: ["+strings.Join(s.Enum, ", ")+"]")
			}
		}
	case KindInteger, KindLong:
		n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
		if err != nil {
			v.fail(&val, mp.String(), "Member must be a number")
			return
		}
		if s.HasMin && n < s.Min {
			v.fail(&val, mp.String(), fmt.Sprintf("Member must have value greater than or equal to %d", s.Min))
		}
		if s.HasMax && n > s.Max {
			v.fail(&val, mp.String(), fmt.Sprintf("Member must have value less than or equal to %d", s.Max))
		}
	case KindBoolean:
		if !strings.EqualFold(val, "true") && !strings.EqualFold(val, "false") {
			v.fail(&val, mp.String(), "Member must be a boolean")
		}
	}
}

// listLen returns the number of members of the list at key ("key.member.N"),
// the highest N for which a value or sub-structure is present. An empty
// list is sent by botocore as "key=" with no members.
func (v *validator) listLen(key string) int {
	return listLen(v.form, key)
}

func listLen(form url.Values, key string) int {
	p := key + ".member."
	max := 0
	for k := range form {
		if !strings.HasPrefix(k, p) {
			continue
		}
		rest := k[len(p):]
		if i := strings.IndexByte(rest, '.'); i >= 0 {
			rest = rest[:i]
		}
		n, err := strconv.Atoi(rest)
		if err != nil || n < 1 || n > maxListMembers {
			continue
		}
		if n > max {
			max = n
		}
	}
	return max
}

// maxListMembers bounds list indexes so a hostile "X.member.999999999" does
// not make the decoder allocate a huge slice.
const maxListMembers = 1000

func (v *validator) list(key, path string, s *Shape) {
	n := v.listLen(key)
	if s.HasMin && int64(n) < s.Min {
		v.errs = append(v.errs, fmt.Sprintf("Value at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", path, s.Min))
	}
	if s.HasMax && int64(n) > s.Max {
		v.errs = append(v.errs, fmt.Sprintf("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", path, s.Max))
		return
	}
	for i := 1; i <= n; i++ {
		k := fmt.Sprintf("%s.member.%d", key, i)
		p := fmt.Sprintf("%s.%d.member", path, i)
		if !v.present(k) {
			continue
		}
		v.value(k, p, s.Member)
	}
}

func (v *validator) mapping(key, path string, s *Shape) {
	for i := 1; i <= maxListMembers; i++ {
		kk := fmt.Sprintf("%s.entry.%d.key", key, i)
		vals, ok := v.form[kk]
		if !ok {
			break
		}
		if len(vals) > 0 {
			v.scalar(vals[0], memberPath{full: path + ".key"}, s.Key)
		}
		if vv, ok := v.form[fmt.Sprintf("%s.entry.%d.value", key, i)]; ok && len(vv) > 0 {
			v.value(fmt.Sprintf("%s.entry.%d.value", key, i), path+".value", s.Value)
		}
	}
}
