// Package server is trustbridge's edge: one HTTP listener that serves every
// AWS API the project implements (STS, IAM, EKS, EKS Auth), routed the way
// AWS endpoints are told apart — by the SigV4 credential scope's service
// name, and for unsigned calls by the Query Action — plus /healthz and
// /readyz.
//
// Every AWS request is recorded (Config.Recorder: the requests and latency
// metrics) and logged at debug with its service and action: for Query
// requests the Action parameter, and for unsigned ones the service that
// serves it; REST services name the operation with SetAction once routed.
//
// The server authenticates every signed request before an action runs and
// hands the authenticated caller to the action through the context. It
// never logs request bodies, signatures, secrets or session tokens.
package server
