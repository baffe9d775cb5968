// Package policy is trustbridge's IAM policy engine: it parses and validates
// policy documents exactly as AWS IAM does, evaluates requests against
// identity, resource, trust, permissions-boundary, session, service control
// and resource control policies with AWS's decision logic, and explains every
// decision statement by statement.
//
// The package is the single place where trustbridge decides "may this
// principal do this". Its contract:
//
//   - Parse once, evaluate many times. A *Policy is immutable after Parse and
//     safe for concurrent use; Evaluate does not allocate on the common paths.
//   - Pure: no I/O, no logging, no global state, no clock. Time-dependent
//     conditions read aws:CurrentTime / aws:EpochTime from the request
//     Context the caller builds.
//   - Errors facing AWS clients are *apierror.Error with Code
//     MalformedPolicyDocument and an AWS-style message naming the problem.
//   - Explanations (Explain, Result) may quote request context values and
//     policy text, so callers must never place secrets (session tokens,
//     signatures, secret keys, full web identity tokens) in a Context.
//
// The package must never perform network or file access, consult the wall
// clock, or log; the simulate request-file decoder takes bytes, not paths.
package policy
