// Package awsquery implements the AWS Query protocol used by STS and IAM:
// reading and bounding the form, validating it against the botocore model
// of each action (modelgen), decoding it into a typed input struct,
// dispatching to the action's handler, and writing the XML (or JSON, when
// the client asks for it) result and error envelopes.
//
// Handlers never see the raw form: they receive their typed input. Errors a
// handler returns are written by WriteError: an *apierror.Error keeps its
// code and message; anything else becomes a 500 InternalFailure with no
// inner text. This package never logs and never writes request parameters
// back except inside AWS's own validation messages.
package awsquery
