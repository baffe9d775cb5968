// Package helm tests the Helm chart in deploy/helm/trustbridge: it renders
// the chart with the Helm Go SDK (as `helm template` does) for the value
// sets the deployment issue names, lints it (Chart.yaml, values.schema.json),
// checks that invalid value sets fail rendering with a clear message,
// compares each rendering with a golden file under testdata/ (refresh with
// -update), and applies every rendering to a real kube-apiserver with
// `kubectl apply --dry-run=server`, so each manifest is valid against the
// real API.
//
// The package has no non-test code and must never install anything for
// real except the minimal cert-manager CRD stand-in in testdata/ (to the
// throwaway test apiserver).
package helm
