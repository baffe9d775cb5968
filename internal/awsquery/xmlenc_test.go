package awsquery

import (
	"bytes"
	"encoding/xml"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Shapes like the ones sts and iam return, covering every construct the
// compiled encoder accepts.
type encInner struct {
	Key   string
	Value string `xml:",omitempty"`
}

type encResult struct {
	Name       string
	Renamed    string `xml:"arn"`
	Optional   string `xml:",omitempty"`
	Count      int32
	OptCount   *int32 `xml:",omitempty"`
	Flag       bool   `xml:",omitempty"`
	Big        int64
	Unsigned   uint32
	When       Time
	OptWhen    *Time `xml:",omitempty"`
	Nested     encInner
	OptNested  *encInner `xml:",omitempty"`
	Always     encInner  `xml:",omitempty"` // a struct is never omitted
	Tags       List[encInner]
	OptTags    List[encInner] `xml:",omitempty"`
	Names      List[string]
	Plain      []string
	PtrList    []*encInner
	Skipped    string `xml:"-"`
	unexported string
}

// Shapes the compiled encoder leaves to encoding/xml.
type encAttr struct {
	ID string `xml:"id,attr"`
}

type encPath struct {
	Items []string `xml:"Items>Item"`
}

type encIface struct {
	V any
}

type encMap struct {
	Float float64
}

type encEmbedded struct {
	encInner
	Extra string
}

var hostile = []string{
	"", "plain", "a&b", "<tag>", `"quoted"`, "it's", "tab\there", "new\nline", "cr\rx",
	"\x00nul", "\x7fdel", "ünïcödé", "\xff\xfeinvalid", "\uFFFD", "\U0001F600", "]]>", "\u2028",
}

func randString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return hostile[r.IntN(len(hostile))]
	}
	var b strings.Builder
	for n := r.IntN(12); n > 0; n-- {
		b.WriteByte(byte(r.IntN(256)))
	}
	return b.String()
}

// fill sets v (settable) to random contents.
func fill(r *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(randString(r))
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int32, reflect.Int64, reflect.Int:
		v.SetInt(r.Int64N(1<<40) - 1<<39)
	case reflect.Uint32:
		v.SetUint(uint64(r.Uint32()))
	case reflect.Pointer:
		if r.IntN(2) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(r, p.Elem())
		v.Set(p)
	case reflect.Slice:
		n := r.IntN(4)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			fill(r, s.Index(i))
		}
		v.Set(s)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[Time]() {
			v.Set(reflect.ValueOf(Time(time.Unix(r.Int64N(4e9), 0))))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(r, v.Field(i))
			}
		}
	}
}

func encodingXML(t testing.TB, v any, name string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := xml.NewEncoder(&b).EncodeElement(v, xml.StartElement{Name: xml.Name{Local: name}}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// CheckEncodingMatches fills values of each type at random many times and
// fails if the compiled encoder and encoding/xml disagree on any of them.
func checkEncodingMatches(t *testing.T, r *rand.Rand, samples ...any) {
	t.Helper()
	for _, s := range samples {
		typ := reflect.TypeOf(s)
		if encoderFor(typ) == nil {
			t.Errorf("%v: no compiled encoder", typ)
			continue
		}
		for i := 0; i < 300; i++ {
			p := reflect.New(typ.Elem())
			fill(r, p.Elem())
			got, _ := appendResult(nil, p.Interface(), "XResult")
			if want := encodingXML(t, p.Interface(), "XResult"); !bytes.Equal(got, want) {
				t.Fatalf("%v:\n got: %s\nwant: %s", typ, got, want)
			}
		}
	}
}

func TestCompiledEncoderMatchesEncodingXML(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	checkEncodingMatches(t, r, &encResult{}, &encInner{})

	// The zero value: omitempty, nil pointers and empty lists.
	got, _ := appendResult(nil, &encResult{}, "XResult")
	if want := encodingXML(t, &encResult{}, "XResult"); !bytes.Equal(got, want) {
		t.Fatalf("zero value:\n got: %s\nwant: %s", got, want)
	}
}

func TestCompiledEncoderDeclinesOtherShapes(t *testing.T) {
	for _, v := range []any{&encAttr{}, &encPath{}, &encIface{}, &encMap{}, &encEmbedded{}, map[string]string{}, &struct{ B []byte }{}} {
		if _, ok := appendResult(nil, v, "X"); ok {
			t.Errorf("%T: compiled, want encoding/xml", v)
		}
	}
}

// WriteResult's output is the same whichever path wrote the result.
func TestWriteResultFallback(t *testing.T) {
	CompareEncodings(true)
	defer CompareEncodings(false)
	s := &Service{Namespace: "https://example.com/doc/"}
	for _, v := range []any{&encAttr{ID: "a<b"}, &encPath{Items: []string{"x", "y"}}, &encResult{Name: "n&"}} {
		w := httptest.NewRecorder()
		WriteResult(w, s, "X", "req-1", v, false)
		want := `<XResponse xmlns="https://example.com/doc/">` + "\n" + string(encodingXML(t, v, "XResult")) +
			"\n<ResponseMetadata>\n<RequestId>req-1</RequestId>\n</ResponseMetadata>\n</XResponse>\n"
		if got := w.Body.String(); got != want {
			t.Errorf("%T:\n got: %s\nwant: %s", v, got, want)
		}
	}
}

func FuzzCompiledEncoder(f *testing.F) {
	for _, s := range hostile {
		f.Add(s, s, int32(len(s)))
	}
	f.Fuzz(func(t *testing.T, a, b string, n int32) {
		v := &encResult{Name: a, Renamed: b, Optional: b, Count: n, Nested: encInner{Key: b, Value: a},
			Tags: List[encInner]{{Key: a}}, Names: List[string]{a, b}, Plain: []string{b}}
		got, ok := appendResult(nil, v, "XResult")
		if !ok {
			t.Fatal("not compiled")
		}
		if want := encodingXML(t, v, "XResult"); !bytes.Equal(got, want) {
			t.Fatalf("\n got: %s\nwant: %s", got, want)
		}
	})
}
