package sessiontoken

import (
	"encoding/binary"
	"errors"
	"time"
)

// The plaintext inside a sealed token is this encoding, version 1:
//
//	version       byte (1)
//	AccessKeyID, SecretAccessKey, Account          str
//	Type                                           byte (typeCodes index)
//	PrincipalARN, RoleARN, RoleID, UserID, SessionName  str
//	IssuedAt, Expiration                           time
//	SessionPolicy                                  str
//	SessionPolicyARNs                              list of str
//	Tags                                           list of (str, str)
//	TransitiveTagKeys                              list of str
//	SourceIdentity                                 str
//	ChainDepth                                     uvarint
//	flags                                          byte (bit 0: MFAAuthenticated)
//	MFAAuthTime                                    time
//	SourceAccessKeyID, SourcePrincipalARN          str
//	FederatedProvider, WebIdentitySubject, WebIdentityAudience  str
//	Context                                        list of (str, str)
//
// where str is uvarint length + bytes, time is varint Unix seconds (0 for
// the zero time), and a list is uvarint count + elements. Nothing may follow
// the last field. A new field means a new version byte.
const encodingVersion = 1

var errDecode = errors.New("malformed session encoding")

type encoder struct{ b []byte }

func (e *encoder) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) strs(ss []string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

func (e *encoder) tags(ts []Tag) {
	e.b = binary.AppendUvarint(e.b, uint64(len(ts)))
	for _, t := range ts {
		e.str(t.Key)
		e.str(t.Value)
	}
}

func (e *encoder) time(t time.Time) {
	var v int64
	if !t.IsZero() {
		v = t.Unix()
	}
	e.b = binary.AppendVarint(e.b, v)
}

// encodedSizeHint is a generous estimate of the encoding's size, so that
// encode allocates once.
func encodedSizeHint(s *Session) int {
	n := 64 + len(s.AccessKeyID) + len(s.SecretAccessKey) + len(s.Account) + len(s.PrincipalARN) +
		len(s.RoleARN) + len(s.RoleID) + len(s.UserID) + len(s.SessionName) + len(s.SessionPolicy) +
		len(s.SourceIdentity) + len(s.SourceAccessKeyID) + len(s.SourcePrincipalARN) + len(s.FederatedProvider) +
		len(s.WebIdentitySubject) + len(s.WebIdentityAudience) + 20*binary.MaxVarintLen64
	for _, a := range s.SessionPolicyARNs {
		n += len(a) + 3
	}
	for _, k := range s.TransitiveTagKeys {
		n += len(k) + 3
	}
	for _, t := range s.Tags {
		n += len(t.Key) + len(t.Value) + 6
	}
	for _, t := range s.Context {
		n += len(t.Key) + len(t.Value) + 6
	}
	return n
}

// encode appends the encoding of s to dst. The type must be valid.
func encode(dst []byte, s *Session, code byte) []byte {
	e := encoder{b: dst}
	e.b = append(e.b, encodingVersion)
	e.str(s.AccessKeyID)
	e.str(s.SecretAccessKey)
	e.str(s.Account)
	e.b = append(e.b, code)
	e.str(s.PrincipalARN)
	e.str(s.RoleARN)
	e.str(s.RoleID)
	e.str(s.UserID)
	e.str(s.SessionName)
	e.time(s.IssuedAt)
	e.time(s.Expiration)
	e.str(s.SessionPolicy)
	e.strs(s.SessionPolicyARNs)
	e.tags(s.Tags)
	e.strs(s.TransitiveTagKeys)
	e.str(s.SourceIdentity)
	e.b = binary.AppendUvarint(e.b, uint64(s.ChainDepth))
	var flags byte
	if s.MFAAuthenticated {
		flags |= 1
	}
	e.b = append(e.b, flags)
	e.time(s.MFAAuthTime)
	e.str(s.SourceAccessKeyID)
	e.str(s.SourcePrincipalARN)
	e.str(s.FederatedProvider)
	e.str(s.WebIdentitySubject)
	e.str(s.WebIdentityAudience)
	e.tags(s.Context)
	return e.b
}

// decoder reads the encoding; the first error sticks and every later read
// returns zero values, so decode checks once at the end. It reads from one
// string copy of the input, so the decoded strings share a single
// allocation.
type decoder struct {
	s   string
	err bool
}

func (d *decoder) byte() byte {
	if d.err || len(d.s) == 0 {
		d.err = true
		return 0
	}
	c := d.s[0]
	d.s = d.s[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.err {
		return 0
	}
	var v uint64
	for i := 0; i < len(d.s) && i < binary.MaxVarintLen64; i++ {
		c := d.s[i]
		if i == binary.MaxVarintLen64-1 && c > 1 {
			break // overflows 64 bits
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			d.s = d.s[i+1:]
			return v
		}
	}
	d.err = true
	return 0
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err || n > uint64(len(d.s)) {
		d.err = true
		return ""
	}
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}

// count reads a list length, bounded by the bytes left (every element
// takes at least min bytes), so a forged count cannot force a huge
// allocation.
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if d.err || n > uint64(len(d.s)/min) {
		d.err = true
		return 0
	}
	return int(n)
}

func (d *decoder) strs() []string {
	n := d.count(1)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func (d *decoder) tags() []Tag {
	n := d.count(2)
	if n == 0 {
		return nil
	}
	out := make([]Tag, n)
	for i := range out {
		out[i] = Tag{Key: d.str(), Value: d.str()}
	}
	return out
}

func (d *decoder) time() time.Time {
	u := d.uvarint()
	v := int64(u >> 1) // zig-zag, as binary.AppendVarint writes
	if u&1 != 0 {
		v = ^v
	}
	if d.err || v == 0 {
		return time.Time{}
	}
	return time.Unix(v, 0).UTC()
}

// decode parses an encoding produced by encode. It never panics.
func decode(b []byte) (*Session, error) {
	d := decoder{s: string(b)}
	if v := d.byte(); v != encodingVersion {
		return nil, errDecode
	}
	s := &Session{Version: encodingVersion}
	s.AccessKeyID = d.str()
	s.SecretAccessKey = d.str()
	s.Account = d.str()
	code := d.byte()
	if int(code) >= len(typeCodes) || code == 0 {
		return nil, errDecode
	}
	s.Type = typeCodes[code]
	s.PrincipalARN = d.str()
	s.RoleARN = d.str()
	s.RoleID = d.str()
	s.UserID = d.str()
	s.SessionName = d.str()
	s.IssuedAt = d.time()
	s.Expiration = d.time()
	s.SessionPolicy = d.str()
	s.SessionPolicyARNs = d.strs()
	s.Tags = d.tags()
	s.TransitiveTagKeys = d.strs()
	s.SourceIdentity = d.str()
	depth := d.uvarint()
	if depth > 1<<16 {
		return nil, errDecode
	}
	s.ChainDepth = int(depth)
	flags := d.byte()
	if flags&^1 != 0 {
		return nil, errDecode
	}
	s.MFAAuthenticated = flags&1 != 0
	s.MFAAuthTime = d.time()
	s.SourceAccessKeyID = d.str()
	s.SourcePrincipalARN = d.str()
	s.FederatedProvider = d.str()
	s.WebIdentitySubject = d.str()
	s.WebIdentityAudience = d.str()
	s.Context = d.tags()
	if d.err || len(d.s) != 0 {
		return nil, errDecode
	}
	return s, nil
}
