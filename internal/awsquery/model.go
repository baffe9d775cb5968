package awsquery

import "regexp"

// Kind is the type of a modelled value, as botocore's service models name it.
type Kind uint8

// The kinds of shapes the Query protocol inputs use.
const (
	KindString Kind = iota
	KindInteger
	KindLong
	KindBoolean
	KindTimestamp
	KindBlob
	KindList
	KindStructure
	KindMap
)

// A Shape is the validation model of one input value, generated from
// botocore's service model (see modelgen). Shapes are immutable.
type Shape struct {
	Kind Kind
	// Min and Max bound a string's length in characters, a list's number of
	// members, or an integer's value. They apply only when HasMin/HasMax.
	Min, Max       int64
	HasMin, HasMax bool
	// Pattern, if set, must match the whole string.
	Pattern     *regexp.Regexp
	PatternText string
	// Enum, if non-empty, lists the allowed string values.
	Enum []string
	// Sensitive values (tokens, secrets, policies marked so in the model)
	// are never echoed in validation messages.
	Sensitive bool
	// Member is the element shape of a list.
	Member *Shape
	// Members are a structure's members, in model order.
	Members []Member
	// Key and Value are a map's key and value shapes.
	Key, Value *Shape
}

// A Member is a named member of a structure shape.
type Member struct {
	Name     string
	Required bool
	Shape    *Shape
}

// An Operation is one action of a Query API with its input model.
type Operation struct {
	Name  string
	Input *Shape // nil when the action takes no parameters
}

// Pattern compiles a model pattern anchored at both ends. It returns nil for
// patterns Go's regexp cannot express; such members are checked for length
// only.
func Pattern(expr string) *regexp.Regexp {
	re, err := regexp.Compile(`^(?:` + expr + `)$`)
	if err != nil {
		return nil
	}
	return re
}
