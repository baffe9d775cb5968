package testbed

import "testing"

func TestStub(t *testing.T) {}
