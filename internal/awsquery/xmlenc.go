package awsquery

import (
	"bytes"
	"encoding"
	"encoding/xml"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// This file is a fast path for writing results: a compiled encoder per
// result type that appends exactly the bytes encoding/xml's
// Encoder.EncodeElement writes (no indentation), for the subset of Go types
// result structs use — structs of exported fields with a name and
// ",omitempty" in their xml tag, strings, booleans, integers, pointers,
// slices, Time and List. Any other shape
// (attributes, a>b paths, embedded structs, interfaces, maps, floats, other
// Marshalers) makes compile report false and WriteResult falls back to
// encoding/xml, so the output never depends on which path ran.
// encoding/xml spends most of its time on reflection it repeats per call;
// on GetCallerIdentity it was a quarter of the server's own CPU.

// appendFunc appends the element named name holding v.
type appendFunc func(b []byte, v reflect.Value, name string) []byte

// field is one struct field of a compiled struct encoder.
type field struct {
	index     int
	name      string
	omitEmpty bool
	enc       appendFunc
}

var (
	encoders  sync.Map // reflect.Type → appendFunc (nil when unsupported)
	marshaler = reflect.TypeFor[xml.Marshaler]()
	textMarsh = reflect.TypeFor[encoding.TextMarshaler]()
	listType  = reflect.TypeFor[queryList]()
	timeType  = reflect.TypeFor[Time]()
)

// queryList marks List: compiled as a wrapper element holding <member>s.
type queryList interface{ queryListMembers() }

// List is a list member written the Query way: the member's element
// holding one <member> element per item. It is written as
// <Name></Name> when empty, unless its field has ",omitempty".
type List[T any] []T

func (List[T]) queryListMembers() {}

// MarshalXML implements xml.Marshaler.
func (l List[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	member := xml.StartElement{Name: xml.Name{Local: "member"}}
	for i := range l {
		if err := e.EncodeElement(l[i], member); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// appendResult appends v (a result value, usually a pointer to a struct) as
// the element name, and reports false when v's type has no compiled
// encoder (the caller then uses encoding/xml).
func appendResult(b []byte, v any, name string) ([]byte, bool) {
	rv := reflect.ValueOf(v)
	enc := encoderFor(rv.Type())
	if enc == nil {
		return b, false
	}
	return enc(b, rv, name), true
}

func encoderFor(t reflect.Type) appendFunc {
	if e, ok := encoders.Load(t); ok {
		return e.(appendFunc)
	}
	e := compile(t, map[reflect.Type]bool{})
	encoders.Store(t, e)
	return e
}

// compile returns t's encoder, or nil if t is outside the supported subset.
// seen guards against recursive types, which results never are.
func compile(t reflect.Type, seen map[reflect.Type]bool) appendFunc {
	if seen[t] {
		return nil
	}
	seen[t] = true
	defer delete(seen, t)

	if t.Kind() == reflect.Pointer {
		elem := compile(t.Elem(), seen)
		if elem == nil {
			return nil
		}
		return func(b []byte, v reflect.Value, name string) []byte {
			if v.IsNil() {
				return b
			}
			return elem(b, v.Elem(), name)
		}
	}
	// A method on *T only would be found by encoding/xml when the value is
	// addressable and not otherwise; leave such types to it.
	pt := reflect.PointerTo(t)
	if t.Implements(listType) && t.Kind() == reflect.Slice {
		member := compile(t.Elem(), seen)
		if member == nil {
			return nil
		}
		return func(b []byte, v reflect.Value, name string) []byte {
			b = appendStart(b, name)
			for i, n := 0, v.Len(); i < n; i++ {
				b = member(b, v.Index(i), "member")
			}
			return appendEnd(b, name)
		}
	}
	if t.Implements(marshaler) || pt.Implements(marshaler) {
		return nil
	}
	if t == timeType {
		return func(b []byte, v reflect.Value, name string) []byte {
			b = appendStart(b, name)
			t, _ := reflect.TypeAssert[Time](v)
			b = t.appendText(b)
			return appendEnd(b, name)
		}
	}
	if t.Implements(textMarsh) || pt.Implements(textMarsh) {
		return nil // only Time's text is known never to fail
	}
	switch t.Kind() {
	case reflect.String:
		return func(b []byte, v reflect.Value, name string) []byte {
			b = appendStart(b, name)
			b = appendEscapedString(b, v.String())
			return appendEnd(b, name)
		}
	case reflect.Bool:
		return func(b []byte, v reflect.Value, name string) []byte {
			b = appendStart(b, name)
			b = strconv.AppendBool(b, v.Bool())
			return appendEnd(b, name)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(b []byte, v reflect.Value, name string) []byte {
			b = appendStart(b, name)
			b = strconv.AppendInt(b, v.Int(), 10)
			return appendEnd(b, name)
		}
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return func(b []byte, v reflect.Value, name string) []byte {
			b = appendStart(b, name)
			b = strconv.AppendUint(b, v.Uint(), 10)
			return appendEnd(b, name)
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil // []byte is character data, not a list
		}
		elem := compile(t.Elem(), seen)
		if elem == nil {
			return nil
		}
		// A plain slice has no wrapper: each item is an element of the
		// field's name.
		return func(b []byte, v reflect.Value, name string) []byte {
			for i, n := 0, v.Len(); i < n; i++ {
				b = elem(b, v.Index(i), name)
			}
			return b
		}
	case reflect.Struct:
		return compileStruct(t, seen)
	}
	return nil
}

func compileStruct(t reflect.Type, seen map[reflect.Type]bool) appendFunc {
	var fields []field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous || sf.Name == "XMLName" {
			return nil
		}
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("xml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.ContainsAny(name, " >") {
			return nil // namespaces and a>b paths
		}
		omit := false
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "":
			case "omitempty":
				omit = true
			default:
				return nil // attr, chardata, innerxml, comment, any
			}
		}
		if name == "" {
			name = sf.Name
		}
		enc := compile(sf.Type, seen)
		if enc == nil {
			return nil
		}
		if omit && !omittable(sf.Type.Kind()) {
			omit = false // encoding/xml never omits a struct
		}
		fields = append(fields, field{index: i, name: name, omitEmpty: omit, enc: enc})
	}
	return func(b []byte, v reflect.Value, name string) []byte {
		b = appendStart(b, name)
		for i := range fields {
			f := &fields[i]
			fv := v.Field(f.index)
			if f.omitEmpty && isEmpty(fv) {
				continue
			}
			b = f.enc(b, fv, f.name)
		}
		return appendEnd(b, name)
	}
}

func omittable(k reflect.Kind) bool {
	switch k {
	case reflect.Struct, reflect.Array:
		return false
	}
	return true
}

// isEmpty is encoding/xml's emptiness for the kinds compile accepts.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.String:
		return v.Len() == 0
	}
	return v.IsZero()
}

func appendStart(b []byte, name string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	return append(b, '>')
}

func appendEnd(b []byte, name string) []byte {
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

// appendEscapedString appends s escaped as encoding/xml escapes text. Plain
// printable ASCII, by far the common case, is copied as is; anything else
// goes through xml.EscapeText itself.
func appendEscapedString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' {
			var buf bytes.Buffer
			_ = xml.EscapeText(&buf, []byte(s))
			return append(b, buf.Bytes()...)
		}
	}
	return append(b, s...)
}

func appendEscaped(b []byte, s []byte) []byte {
	for _, c := range s {
		if c < 0x20 || c >= 0x7f || c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' {
			var buf bytes.Buffer
			_ = xml.EscapeText(&buf, s)
			return append(b, buf.Bytes()...)
		}
	}
	return append(b, s...)
}
