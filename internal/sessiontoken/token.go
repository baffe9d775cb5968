package sessiontoken

import (
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/serverkey"
)

// MaxTokenLength is the longest token Seal produces and Open accepts, in
// characters. Open rejects longer input before decoding anything.
const MaxTokenLength = 8192

// Errors returned (wrapped) by Seal, Open and Verify.
var (
	// ErrInvalid: the token is malformed, tampered with, sealed with a key
	// the ring does not have, or belongs to another access key ID. AWS
	// answers InvalidClientTokenId.
	ErrInvalid = errors.New("session token is invalid")
	// ErrExpired: the token is genuine but its session has expired. AWS
	// answers ExpiredToken.
	ErrExpired = errors.New("session token has expired")
	// ErrTooLarge: the session does not fit in MaxTokenLength (its
	// session policies and tags are too large; STS answers
	// PackedPolicyTooLarge).
	ErrTooLarge = errors.New("session does not fit in a session token")
)

var b64 = base64.RawURLEncoding.Strict()

// Seal returns the session token for s, sealed with ring's active key.
// s.AccessKeyID, s.SecretAccessKey and s.Expiration are required and
// s.Type must be one of the Type constants. Times are truncated to the
// second. The error wraps ErrTooLarge if the token would exceed
// MaxTokenLength.
func Seal(ring *serverkey.Ring, s *Session) (string, error) {
	code, ok := typeCode(s.Type)
	switch {
	case !ok:
		return "", fmt.Errorf("seal session: unknown type %q", s.Type)
	case s.AccessKeyID == "":
		return "", errors.New("seal session: no access key ID")
	case s.SecretAccessKey == "":
		return "", errors.New("seal session: no secret access key")
	case s.Expiration.IsZero():
		return "", errors.New("seal session: no expiration")
	case s.ChainDepth < 0 || s.ChainDepth > 1<<16:
		return "", fmt.Errorf("seal session: chain depth %d out of range", s.ChainDepth)
	}
	bufs := sealBufs.Get().(*sealBuffers)
	defer bufs.put()
	plain := encode(bufs.plain[:0], s, code)
	bufs.plain = plain
	defer clear(plain) // it holds the secret access key
	// The sealed value adds version, key ID length, key ID, nonce and tag.
	if n := b64.EncodedLen(len(plain) + 2 + len(ring.ActiveKeyID()) + 12 + 16); n > MaxTokenLength {
		return "", fmt.Errorf("%w: it would be %d characters, more than %d", ErrTooLarge, n, MaxTokenLength)
	}
	sealed, err := ring.AppendSeal(bufs.sealed[:0], serverkey.PurposeSessionToken, plain, nil)
	if err != nil {
		return "", fmt.Errorf("seal session: %w", err)
	}
	bufs.sealed = b64.AppendEncode(sealed, sealed) // the encoding follows the sealed bytes
	return string(bufs.sealed[len(sealed):]), nil
}

// sealBuffers are Seal's scratch space, reused so that issuing credentials
// allocates only the token string itself. plain is cleared before reuse
// (see Seal); sealed holds only ciphertext and its encoding.
type sealBuffers struct{ plain, sealed []byte }

var sealBufs = sync.Pool{New: func() any { return &sealBuffers{plain: make([]byte, 0, 1024), sealed: make([]byte, 0, 3072)} }}

func (b *sealBuffers) put() {
	if cap(b.plain) > MaxTokenLength || cap(b.sealed) > 4*MaxTokenLength {
		return // an unusually large session is not kept
	}
	sealBufs.Put(b)
}

// Open authenticates and decodes a session token and checks that it has
// not expired at now. Errors wrap ErrInvalid (for any malformed, tampered
// or unknown-key token; the wrapped text says which, and is safe to log)
// or ErrExpired. Open never panics and reads at most MaxTokenLength
// characters of input.
//
// Open does not check which access key ID the token came with; use Verify
// or Session.MatchesAccessKeyID for that.
func Open(ring *serverkey.Ring, token string, now time.Time) (*Session, error) {
	if len(token) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrInvalid)
	}
	if len(token) > MaxTokenLength {
		return nil, fmt.Errorf("%w: longer than %d characters", ErrInvalid, MaxTokenLength)
	}
	sealed, err := b64.DecodeString(token)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64url", ErrInvalid)
	}
	plain, err := ring.Open(serverkey.PurposeSessionToken, sealed, nil)
	if err != nil {
		if errors.Is(err, serverkey.ErrUnknownKey) {
			id, _ := serverkey.SealedKeyID(sealed)
			return nil, fmt.Errorf("%w: sealed with server key %q, which is not in the key ring", ErrInvalid, id)
		}
		return nil, fmt.Errorf("%w: fails authentication (tampered, or not issued by this deployment)", ErrInvalid)
	}
	s, err := decode(plain)
	clear(plain)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if s.Expired(now) {
		return nil, fmt.Errorf("%w: expired at %s", ErrExpired, s.Expiration.Format(time.RFC3339))
	}
	return s, nil
}

// Verify opens token as Open does and also checks that it belongs to
// accessKeyID, the key ID the request was signed with (constant-time); a
// mismatch wraps ErrInvalid.
func Verify(ring *serverkey.Ring, token, accessKeyID string, now time.Time) (*Session, error) {
	s, err := Open(ring, token, now)
	if err != nil {
		return nil, err
	}
	if !s.MatchesAccessKeyID(accessKeyID) {
		return nil, fmt.Errorf("%w: it belongs to another access key ID", ErrInvalid)
	}
	return s, nil
}

// APIError maps an error from Open or Verify to the error AWS returns:
// ExpiredToken for ErrExpired, InvalidClientTokenId for ErrInvalid (with
// the reason as the explanation), InternalFailure otherwise.
func APIError(err error) *apierror.Error {
	switch {
	case errors.Is(err, ErrExpired):
		return apierror.ExpiredToken().WithExplanation(err.Error())
	case errors.Is(err, ErrInvalid):
		return apierror.InvalidClientTokenID().WithExplanation(err.Error())
	}
	return apierror.Internal()
}
