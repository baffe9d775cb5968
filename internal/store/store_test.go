package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/trustbridge/trustbridge/internal/store"
)

func TestError(t *testing.T) {
	tests := []struct {
		err  *store.Error
		want string
	}{
		{&store.Error{Err: store.ErrNotFound, Entity: store.EntityRole, Name: "Admin"}, `role "Admin": not found`},
		{&store.Error{Err: store.ErrConflict, Entity: store.EntityUser, Name: "bob", Detail: "it still has access keys"}, `user "bob": conflict: it still has access keys`},
		{&store.Error{Err: store.ErrInvalid, Detail: "malformed marker"}, `invalid argument: malformed marker`},
		{&store.Error{Err: store.ErrAlreadyExists, Entity: store.EntityAccount}, `account: already exists`},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
		wrapped := fmt.Errorf("create: %w", tc.err)
		if !errors.Is(wrapped, tc.err.Err) {
			t.Errorf("errors.Is(%v, %v) = false", wrapped, tc.err.Err)
		}
		var se *store.Error
		if !errors.As(wrapped, &se) || se != tc.err {
			t.Errorf("errors.As did not find the *store.Error in %v", wrapped)
		}
	}
	// The sentinels are distinct.
	all := []error{store.ErrNotFound, store.ErrAlreadyExists, store.ErrConflict, store.ErrLimitExceeded, store.ErrInvalid}
	for i, a := range all {
		for j, b := range all {
			if (i == j) != errors.Is(a, b) {
				t.Errorf("errors.Is(%v, %v) = %v", a, b, errors.Is(a, b))
			}
		}
	}
}
