package awsquery

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

// MaxBodyBytes bounds a Query request body. The largest legitimate IAM
// request (a 10,240-character role policy, URL-encoded, or a simulation
// with several documents) is far below it.
const MaxBodyBytes = 1 << 20

// A Handler serves one action. in is a pointer to the action's typed input,
// already validated against the model and decoded. The returned value is
// marshalled inside <ActionResult>; nil means the action has no result
// element.
type Handler func(ctx context.Context, in any) (any, error)

// An Action binds an action name to its handler and input type.
type Action struct {
	// Name is the Query Action, e.g. "AssumeRole".
	Name string
	// New returns a pointer to a fresh zero input struct.
	New func() any
	// Handle serves the action.
	Handle Handler
	// Unsigned marks actions callable without a signature
	// (AssumeRoleWithWebIdentity, AssumeRoleWithSAML).
	Unsigned bool

	resultName string // Name + "Result", set by Register
}

// A Service is one Query API: its SigV4 service name, version, XML
// namespace, model and actions.
type Service struct {
	Name       string // SigV4 signing name: "sts", "iam"
	Version    string // "2011-06-15"
	Namespace  string // "https://sts.amazonaws.com/doc/2011-06-15/"
	Operations map[string]*Operation
	Actions    map[string]*Action
}

// Register adds an action. It panics on duplicates: a programming error.
func (s *Service) Register(a *Action) {
	if s.Actions == nil {
		s.Actions = map[string]*Action{}
	}
	if _, dup := s.Actions[a.Name]; dup {
		panic("awsquery: duplicate action " + a.Name)
	}
	a.resultName = a.Name + "Result"
	s.Actions[a.Name] = a
}

// Lookup returns the action named by the request, or the error AWS gives
// for an unknown or missing Action.
func (s *Service) Lookup(action string) (*Action, error) {
	if action == "" {
		return nil, &apierror.Error{Code: "MissingAction", Message: "Missing Action", Status: http.StatusBadRequest}
	}
	a, ok := s.Actions[action]
	if !ok {
		return nil, apierror.InvalidAction(action, s.Version)
	}
	return a, nil
}

// Call validates form against the action's model, decodes it and runs the
// handler.
func (s *Service) Call(ctx context.Context, a *Action, form url.Values) (any, error) {
	if err := Validate(form, s.Operations[a.Name]); err != nil {
		return nil, err
	}
	in := a.New()
	if err := Decode(form, in); err != nil {
		return nil, err
	}
	return a.Handle(ctx, in)
}

// ReadForm reads the Query parameters of r: the URL query merged with an
// application/x-www-form-urlencoded body (POST). It returns the body bytes
// too, since SigV4 needs their hash. Bodies over MaxBodyBytes are rejected
// with a 413 error without reading them whole.
func ReadForm(r *http.Request) (url.Values, []byte, error) {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		if r.ContentLength > MaxBodyBytes {
			return nil, nil, tooLarge()
		}
		b, err := readBody(r.Body, r.ContentLength)
		if err != nil {
			return nil, nil, &apierror.Error{Code: "IncompleteBody", Message: "The request body could not be read.", Status: http.StatusBadRequest}
		}
		if len(b) > MaxBodyBytes {
			return nil, nil, tooLarge()
		}
		body = b
	}
	form, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, body, malformedQuery()
	}
	if len(body) > 0 && isForm(r.Header.Get("Content-Type")) {
		bf, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, body, malformedQuery()
		}
		for k, v := range bf {
			form[k] = append(form[k], v...)
		}
	}
	return form, body, nil
}

// readBody reads at most MaxBodyBytes+1 bytes of body; a known length
// (already checked against the limit) sizes the buffer in one allocation.
func readBody(body io.Reader, length int64) ([]byte, error) {
	if length >= 0 && length <= MaxBodyBytes {
		b := make([]byte, length, length+1)
		if _, err := io.ReadFull(body, b); err != nil {
			return nil, err
		}
		// A body longer than its Content-Length is a protocol error the
		// HTTP server reports; one extra byte proves it is not silently cut.
		var one [1]byte
		if n, _ := body.Read(one[:]); n > 0 {
			return append(b, one[0]), nil
		}
		return b, nil
	}
	return io.ReadAll(io.LimitReader(body, MaxBodyBytes+1))
}

func isForm(ct string) bool {
	if ct == "" {
		return true // the AWS CLI always sets it; curl users often forget
	}
	const form = "application/x-www-form-urlencoded"
	if ct == form || ct == form+"; charset=utf-8" {
		return true // what SDKs send, without ParseMediaType's allocations
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

func tooLarge() *apierror.Error {
	return &apierror.Error{Code: "RequestEntityTooLarge", Message: fmt.Sprintf("Request body exceeds the maximum allowed size of %d bytes.", MaxBodyBytes), Status: http.StatusRequestEntityTooLarge}
}

func malformedQuery() *apierror.Error {
	return &apierror.Error{Code: "MalformedQueryString", Message: "The query string is malformed.", Status: http.StatusBadRequest}
}

// WantsJSON reports whether the client asked for a JSON response
// (Accept: application/json), as token verifiers calling STS do.
func WantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// Time is a timestamp marshalled the way the Query APIs write them:
// ISO 8601 in UTC with second precision, e.g. 2026-11-22T19:29:00Z.
type Time time.Time

// MarshalText implements encoding.TextMarshaler.
func (t Time) MarshalText() ([]byte, error) {
	return t.appendText(nil), nil
}

func (t Time) appendText(b []byte) []byte {
	return time.Time(t).UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
}

type responseMetadata struct {
	RequestId string //nolint:revive // AWS's element name
}

// WriteResult writes a successful response for action with the result
// value (nil for actions without a result element).
func WriteResult(w http.ResponseWriter, s *Service, action, requestID string, result any, asJSON bool) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	if asJSON {
		body := map[string]any{}
		if result != nil {
			body[action+"Result"] = result
		}
		body["ResponseMetadata"] = responseMetadata{RequestId: requestID}
		if err := json.NewEncoder(buf).Encode(map[string]any{action + "Response": body}); err != nil {
			WriteError(w, s.Namespace, requestID, err, asJSON, false)
			return
		}
		w.Header().Set("Content-Type", "application/json")
	} else {
		buf.WriteByte('<')
		buf.WriteString(action)
		buf.WriteString(`Response xmlns="`)
		buf.WriteString(s.Namespace)
		buf.WriteString("\">\n")
		if result != nil {
			name := action + "Result"
			if a := s.Actions[action]; a != nil && a.resultName != "" {
				name = a.resultName // built once by Register
			}
			if err := appendResultXML(buf, result, name); err != nil {
				WriteError(w, s.Namespace, requestID, err, asJSON, false)
				return
			}
			buf.WriteString("\n")
		}
		buf.WriteString("<ResponseMetadata>\n<RequestId>")
		buf.WriteString(requestID)
		buf.WriteString("</RequestId>\n</ResponseMetadata>\n</")
		buf.WriteString(action)
		buf.WriteString("Response>\n")
		w.Header().Set("Content-Type", "text/xml")
	}
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// bufPool holds response buffers: the body is copied to the connection's
// writer by Write, so a buffer is free again once WriteResult returns.
var bufPool = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 2048)) }}

func putBuf(b *bytes.Buffer) {
	if b.Cap() > 64<<10 {
		return // a rare large answer (a long list) is not kept
	}
	b.Reset()
	bufPool.Put(b)
}

// appendResultXML writes result as the element name: through its compiled
// encoder when its type has one (xmlenc.go), else through encoding/xml.
// With CompareEncodings on, both run and a difference panics.
func appendResultXML(buf *bytes.Buffer, result any, name string) error {
	if b, ok := appendResult(buf.AvailableBuffer(), result, name); ok {
		if compareEncodings.Load() {
			var want bytes.Buffer
			if err := xml.NewEncoder(&want).EncodeElement(result, xml.StartElement{Name: xml.Name{Local: name}}); err == nil && !bytes.Equal(b, want.Bytes()) {
				panic(fmt.Sprintf("awsquery: compiled XML encoder differs from encoding/xml for %T:\n got: %s\nwant: %s", result, b, want.Bytes()))
			}
		}
		buf.Write(b)
		return nil
	}
	return xml.NewEncoder(buf).EncodeElement(result, xml.StartElement{Name: xml.Name{Local: name}})
}

var compareEncodings atomic.Bool

// CompareEncodings makes every WriteResult also encode its result with
// encoding/xml and panic if the compiled encoder wrote different bytes.
// Tests of packages that serve Query actions turn it on so that each of
// their responses doubles as a check of the fast path; servers never do.
func CompareEncodings(on bool) { compareEncodings.Store(on) }

// WriteError writes AWS's error envelope for err. Errors that are not an
// *apierror.Error become InternalFailure without their text. With explain,
// an *apierror.Error's Explanation is appended to the message (the
// server's --explain-errors development mode).
func WriteError(w http.ResponseWriter, namespace, requestID string, err error, asJSON, explain bool) {
	e, ok := apierror.As(err)
	if !ok {
		e = apierror.Internal()
	}
	msg := e.Message
	if explain && e.Explanation != "" {
		msg += " (trustbridge: " + e.Explanation + ")"
	}
	typ := "Sender"
	if e.Receiver {
		typ = "Receiver"
	}
	var buf bytes.Buffer
	if asJSON {
		_ = json.NewEncoder(&buf).Encode(map[string]any{
			"Error":     map[string]string{"Type": typ, "Code": e.Code, "Message": msg},
			"RequestId": requestID,
		})
		w.Header().Set("Content-Type", "application/json")
	} else {
		buf.WriteString(`<ErrorResponse xmlns="` + namespace + `">` + "\n  <Error>\n    <Type>" + typ + "</Type>\n    <Code>")
		_ = xml.EscapeText(&buf, []byte(e.Code))
		buf.WriteString("</Code>\n    <Message>")
		_ = xml.EscapeText(&buf, []byte(msg))
		buf.WriteString("</Message>\n  </Error>\n  <RequestId>" + requestID + "</RequestId>\n</ErrorResponse>\n")
		w.Header().Set("Content-Type", "text/xml")
	}
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(buf.Bytes())
}
