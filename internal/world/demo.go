package world

import _ "embed"

// demoYAML is the built-in demo world `trustbridge up` applies.
//
//go:embed demo.yaml
var demoYAML []byte

// Demo returns the built-in demo world's source.
func Demo() []byte { return append([]byte(nil), demoYAML...) }
