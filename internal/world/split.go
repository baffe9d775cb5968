package world

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"sigs.k8s.io/yaml"
)

// splitThreshold is the size from which a JSON object of a world file is
// decoded member by member instead of whole. A variable for tests.
var splitThreshold = 256 << 10

// decodeStrict decodes a world file (YAML, or JSON, which is YAML) into f
// with sigs.k8s.io/yaml's UnmarshalStrict semantics: YAML → JSON →
// encoding/json, with duplicate keys and unknown fields rejected and
// numbers given to string fields converted to strings.
//
// That conversion builds a tree of the whole file first: about 30 times
// the file's size at its peak (~900 MB for a 30 MB, 100,000-role world).
// A file that is a valid JSON object with no duplicated member names is
// therefore decoded in pieces: every object of at least splitThreshold
// bytes is taken apart, each element of its arrays of objects (accounts,
// roles, users, …) is decoded on its own by UnmarshalStrict, and its
// other members together. The result is the same, because the conversion
// and the decoding are both done value by value with the same target
// types; errors name the element they are in (accounts[0].roles[7]: …).
func decodeStrict(raw []byte, f *File) error {
	if j := bytes.TrimSpace(raw); len(j) >= splitThreshold && IsJSON(j) && jsontext.Value(j).IsValid() {
		return decodeSplit(j, reflect.ValueOf(f).Elem(), "")
	}
	return yamlStrict(raw, f, "")
}

// IsJSON reports whether a world file is written as a JSON object rather
// than as YAML: whether its first non-blank byte is "{". A large one that
// is valid JSON is decoded element by element; YAML is converted whole,
// which takes about 30 times the file's size in memory.
func IsJSON(raw []byte) bool {
	j := bytes.TrimLeft(raw, " \t\r\n")
	return len(j) > 0 && j[0] == '{'
}

func yamlStrict(raw []byte, v any, path string) error {
	if err := yaml.UnmarshalStrict(raw, v); err != nil {
		msg := cleanYAMLError(err)
		if path != "" {
			msg = path + ": " + msg
		}
		return errors.New(msg)
	}
	return nil
}

// decodeSplit decodes the valid JSON object raw into the struct dst.
// Members whose field is a slice of structs and whose value is an array
// are decoded element by element (recursively, for large elements); the
// other members are decoded together, first. An object in which two
// member names fold to the same name is decoded whole, so that which of
// them wins stays the library's business.
func decodeSplit(raw []byte, dst reflect.Value, path string) error {
	if len(raw) < splitThreshold || dst.Kind() != reflect.Struct || raw[0] != '{' || foldedDuplicate(raw) {
		return yamlStrict(raw, dst.Addr().Interface(), path)
	}
	t := dst.Type()
	type split struct {
		field int
		elems reflect.Value
	}
	var splits []split
	rest := []byte{'{'}
	dec := jsontext.NewDecoder(bytes.NewBuffer(raw))
	if _, err := dec.ReadToken(); err != nil { // '{'
		return err
	}
	for dec.PeekKind() != '}' {
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		name := string(v) // quoted, as in the input; v is only valid until the next read
		field := sliceOfStructField(t, name)
		if field < 0 || dec.PeekKind() != '[' {
			val, err := dec.ReadValue()
			if err != nil {
				return err
			}
			if len(rest) > 1 {
				rest = append(rest, ',')
			}
			rest = append(rest, name...)
			rest = append(rest, ':')
			rest = append(rest, val...)
			continue
		}
		fname := jsonName(t.Field(field))
		elemType := t.Field(field).Type.Elem()
		elems := reflect.MakeSlice(t.Field(field).Type, 0, 0)
		if _, err := dec.ReadToken(); err != nil { // '['
			return err
		}
		for i := 0; dec.PeekKind() != ']'; i++ {
			val, err := dec.ReadValue()
			if err != nil {
				return err
			}
			elem := reflect.New(elemType).Elem()
			if err := decodeSplit(val, elem, joinPath(path, fmt.Sprintf("%s[%d]", fname, i))); err != nil {
				return err
			}
			elems = reflect.Append(elems, elem)
		}
		if _, err := dec.ReadToken(); err != nil { // ']'
			return err
		}
		splits = append(splits, split{field, elems})
	}
	rest = append(rest, '}')
	if err := yamlStrict(rest, dst.Addr().Interface(), path); err != nil {
		return err
	}
	for _, s := range splits {
		dst.Field(s.field).Set(s.elems)
	}
	return nil
}

// sliceOfStructField returns the index of t's field that the quoted JSON
// member name decodes into, if that field is a slice of structs, or -1.
// Names match as encoding/json matches them: the json tag's name,
// case-insensitively.
func sliceOfStructField(t reflect.Type, quoted string) int {
	name := unquote(quoted)
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct && strings.EqualFold(jsonName(f), name) {
			return i
		}
	}
	return -1
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

func joinPath(path, elem string) string {
	if path == "" {
		return elem
	}
	return path + "." + elem
}

// unquote returns the string a valid quoted JSON string holds.
func unquote(quoted string) string {
	b, _ := jsontext.AppendUnquote(nil, quoted)
	return string(b)
}

// foldedDuplicate reports whether two member names of the valid JSON
// object raw are equal under case folding (exact duplicates are already
// invalid).
func foldedDuplicate(raw []byte) bool {
	dec := jsontext.NewDecoder(bytes.NewBuffer(raw))
	if _, err := dec.ReadToken(); err != nil {
		return false
	}
	var names []string
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return false
		}
		name := tok.String()
		for _, n := range names {
			if strings.EqualFold(n, name) {
				return true
			}
		}
		names = append(names, name)
		if err := dec.SkipValue(); err != nil {
			return false
		}
	}
	return false
}
