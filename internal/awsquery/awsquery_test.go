package awsquery

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

var (
	nameShape = &Shape{Kind: KindString, Min: 2, HasMin: true, Max: 64, HasMax: true, Pattern: Pattern(`[\w+=,.@-]*`), PatternText: `[\w+=,.@-]*`}
	durShape  = &Shape{Kind: KindInteger, Min: 900, HasMin: true, Max: 43200, HasMax: true}
	tagShape  = &Shape{Kind: KindStructure, Members: []Member{
		{Name: "Key", Required: true, Shape: &Shape{Kind: KindString, Min: 1, HasMin: true, Max: 128, HasMax: true}},
		{Name: "Value", Required: true, Shape: &Shape{Kind: KindString, Max: 256, HasMax: true}},
	}}
	arnShape = &Shape{Kind: KindStructure, Members: []Member{{Name: "arn", Shape: &Shape{Kind: KindString, Min: 20, HasMin: true}}}}
	testOp   = &Operation{Name: "AssumeRole", Input: &Shape{Kind: KindStructure, Members: []Member{
		{Name: "DurationSeconds", Shape: durShape},
		{Name: "PolicyArns", Shape: &Shape{Kind: KindList, Member: arnShape, Max: 10, HasMax: true}},
		{Name: "RoleArn", Required: true, Shape: &Shape{Kind: KindString, Min: 20, HasMin: true}},
		{Name: "RoleSessionName", Required: true, Shape: nameShape},
		{Name: "Tags", Shape: &Shape{Kind: KindList, Member: tagShape, Max: 50, HasMax: true}},
		{Name: "Mode", Shape: &Shape{Kind: KindString, Enum: []string{"a", "b"}}},
	}}}
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		form    string
		wantErr string
	}{
		{"ok", "RoleArn=arn:aws:iam::123456789012:role/x&RoleSessionName=s1", ""},
		{"missing both", "", "2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"},
		{"pattern", "RoleArn=arn:aws:iam::123456789012:role/x&RoleSessionName=a%20b", "1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"},
		{"short", "RoleArn=arn:aws:iam::123456789012:role/x&RoleSessionName=a", "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"},
		{"duration", "RoleArn=arn:aws:iam::123456789012:role/x&RoleSessionName=ab&DurationSeconds=50000", "1 validation error detected: Value '50000' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"},
		{"duration nan", "RoleArn=arn:aws:iam::123456789012:role/x&RoleSessionName=ab&DurationSeconds=abc", "Member must be a number"},
		{"tag key", "RoleArn=arn:aws:iam::123456789012:role/x&RoleSessionName=ab&Tags.member.1.Key=&Tags.member.1.Value=v", "Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"tag value missing", "RoleArn=arn:aws:iam::123456789012:role/x&RoleSessionName=ab&Tags.member.1.Key=k", "Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"},
		{"list max", "RoleArn=arn:aws:iam::123456789012:role/x&RoleSessionName=ab" + strings.Repeat("&PolicyArns.member.11.arn=arn:aws:iam::aws:policy/ReadOnly", 1), "Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10"},
		{"enum", "RoleArn=arn:aws:iam::123456789012:role/x&RoleSessionName=ab&Mode=c", "Member must satisfy enum value set: [a, b]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form, err := url.ParseQuery(tt.form)
			if err != nil {
				t.Fatal(err)
			}
			err = Validate(form, testOp)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			e, ok := apierror.As(err)
			if !ok || e.Code != "ValidationError" || !strings.Contains(e.Message, tt.wantErr) {
				t.Fatalf("got %v, want ValidationError containing %q", err, tt.wantErr)
			}
		})
	}
}

type tag struct{ Key, Value string }
type descriptor struct {
	Arn string `query:"arn"`
}
type input struct {
	RoleArn         string
	RoleSessionName string
	DurationSeconds *int32
	Tags            []tag
	PolicyArns      []descriptor
	TransitiveKeys  []string `query:"TransitiveTagKeys"`
	Flag            *bool
	Attrs           map[string]string
	Absent          *string
	EmptyList       []string
}

func TestDecode(t *testing.T) {
	form, _ := url.ParseQuery("RoleArn=r&RoleSessionName=s&DurationSeconds=900&Tags.member.1.Key=k1&Tags.member.1.Value=v1&Tags.member.2.Key=k2&Tags.member.2.Value=&PolicyArns.member.1.arn=p&TransitiveTagKeys.member.1=k1&Flag=true&Attrs.entry.1.key=a&Attrs.entry.1.value=b&EmptyList=")
	var in input
	if err := Decode(form, &in); err != nil {
		t.Fatal(err)
	}
	d := int32(900)
	tr := true
	want := input{RoleArn: "r", RoleSessionName: "s", DurationSeconds: &d, Tags: []tag{{"k1", "v1"}, {"k2", ""}},
		PolicyArns: []descriptor{{"p"}}, TransitiveKeys: []string{"k1"}, Flag: &tr, Attrs: map[string]string{"a": "b"}, EmptyList: []string{}}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("got %+v\nwant %+v", in, want)
	}
}

func TestWriteResultAndError(t *testing.T) {
	svc := &Service{Name: "sts", Version: "2011-06-15", Namespace: "https://sts.amazonaws.com/doc/2011-06-15/"}
	type result struct {
		Arn     string
		Account string
		List    []string `xml:"List>member"`
	}
	rec := httptest.NewRecorder()
	WriteResult(rec, svc, "GetCallerIdentity", "req-1", &result{Arn: "a<b", Account: "1", List: []string{"x"}}, false)
	body := rec.Body.String()
	for _, want := range []string{`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`, "<GetCallerIdentityResult><Arn>a&lt;b</Arn><Account>1</Account><List><member>x</member></List></GetCallerIdentityResult>", "<RequestId>req-1</RequestId>"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	rec = httptest.NewRecorder()
	WriteResult(rec, svc, "GetCallerIdentity", "req-1", &result{Arn: "a"}, true)
	if got := rec.Body.String(); !strings.Contains(got, `{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Arn":"a"`) || !strings.Contains(got, `"RequestId":"req-1"`) {
		t.Errorf("json body %s", got)
	}

	rec = httptest.NewRecorder()
	WriteError(rec, svc.Namespace, "req-2", apierror.AccessDenied("no <way>").WithExplanation("because"), false, false)
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "<Code>AccessDenied</Code>") || !strings.Contains(rec.Body.String(), "no &lt;way&gt;") || strings.Contains(rec.Body.String(), "because") {
		t.Errorf("error envelope %d %s", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	WriteError(rec, svc.Namespace, "req-2", apierror.AccessDenied("no").WithExplanation("because"), false, true)
	if !strings.Contains(rec.Body.String(), "because") {
		t.Errorf("explain not appended: %s", rec.Body.String())
	}
	rec = httptest.NewRecorder()
	WriteError(rec, svc.Namespace, "req-3", context.DeadlineExceeded, false, false)
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "InternalFailure") || strings.Contains(rec.Body.String(), "deadline") {
		t.Errorf("internal error leaked or wrong: %d %s", rec.Code, rec.Body.String())
	}
}

func TestReadFormLimits(t *testing.T) {
	big := strings.NewReader("Action=X&P=" + strings.Repeat("a", MaxBodyBytes))
	r := httptest.NewRequest(http.MethodPost, "/", big)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, _, err := ReadForm(r); err == nil {
		t.Fatal("oversized body accepted")
	} else if e, _ := apierror.As(err); e.HTTPStatus() != 413 {
		t.Fatalf("got %v", err)
	}
	r = httptest.NewRequest(http.MethodPost, "/?Version=1", strings.NewReader("Action=GetCallerIdentity"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	form, body, err := ReadForm(r)
	if err != nil || form.Get("Action") != "GetCallerIdentity" || form.Get("Version") != "1" || string(body) != "Action=GetCallerIdentity" {
		t.Fatalf("form %v body %q err %v", form, body, err)
	}
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("Action=%zz"))
	if _, _, err := ReadForm(r); err == nil {
		t.Fatal("malformed body accepted")
	}
}

func FuzzDecodeForm(f *testing.F) {
	f.Add("RoleArn=r&RoleSessionName=s&Tags.member.1.Key=k&Tags.member.999999999.Key=x")
	f.Add("PolicyArns.member.1.arn=p&Attrs.entry.1.key=a&Attrs.entry.2.value=b")
	f.Add("DurationSeconds=99999999999999999999&Flag=maybe")
	f.Fuzz(func(t *testing.T, q string) {
		form, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		_ = Validate(form, testOp)
		var in input
		if err := Decode(form, &in); err != nil {
			t.Fatal(err)
		}
		if len(in.Tags) > maxListMembers {
			t.Fatalf("list of %d members decoded", len(in.Tags))
		}
	})
}

func TestSensitiveValuesAreNotEchoed(t *testing.T) {
	op := &Operation{Input: &Shape{Kind: KindStructure, Members: []Member{{Name: "WebIdentityToken", Required: true, Shape: &Shape{Kind: KindString, Min: 4, HasMin: true, Max: 8, HasMax: true, Sensitive: true}}}}}
	form, _ := url.ParseQuery("WebIdentityToken=eyJsecretsecret")
	err := Validate(form, op)
	if err == nil || strings.Contains(err.Error(), "eyJ") || !strings.Contains(err.Error(), "Value at 'webIdentityToken' failed to satisfy constraint: Member must have length less than or equal to 8") {
		t.Fatalf("got %v", err)
	}
}
