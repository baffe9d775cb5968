// Package serverkey is trustbridge's server key ring: the symmetric keys
// that seal long-term secret access keys at rest in the store and seal the
// session tokens of temporary credentials. Every replica of a deployment
// loads the same key file, so any replica can open what another sealed.
//
// # Key file
//
// The key file is JSON, created on first start with mode 0600 (or supplied
// with --server-key-file and shared between replicas):
//
//	{
//	  "version": 1,
//	  "keys": [
//	    {"id": "k20261122b", "created": "2026-11-22T10:00:00Z", "secret": "<base64 of 32 random bytes>"},
//	    {"id": "k20260101a", "created": "2026-01-01T09:00:00Z", "secret": "..."}
//	  ]
//	}
//
// The first key is active: everything new is sealed with it. Every key
// opens what it sealed. Rotation is therefore: add a new key at the front
// (Ring.AddKey, `trustbridge key rotate`), roll the file out to every
// replica, and remove an old key (Ring.RemoveKey) only once nothing sealed
// with it is still needed — its session tokens have expired and its
// secrets at rest have been re-sealed.
//
// # Sealed values
//
// Keys are never used directly. Each purpose (Purpose) has its own subkey,
// derived with HKDF-SHA256 from the key's secret and the purpose label, so
// a value sealed for one purpose can never be opened as another. Sealing
// is AES-256-GCM with a random 96-bit nonce; the output is
//
//	version(1) | len(keyID)(1) | keyID | nonce(12) | ciphertext | tag(16)
//
// and the header (version, key ID) is authenticated together with the
// caller's additional data. Random nonces bound each key to about 2^32
// seals (NIST SP 800-38D); rotate long before that.
//
// The package must never log, print or return in an error any key
// material or plaintext. Ring's String and LogValue methods show key IDs
// only.
package serverkey
