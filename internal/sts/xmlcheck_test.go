package sts_test

import "github.com/trustbridge/trustbridge/internal/awsquery"

// Every Query response these tests produce is also encoded with
// encoding/xml; a difference from the compiled encoder panics.
func init() { awsquery.CompareEncodings(true) }
