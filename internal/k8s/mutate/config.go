package mutate

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"
)

// Defaults, as on EKS.
const (
	DefaultAnnotationPrefix          = "eks.amazonaws.com"
	DefaultAudience                  = "sts.amazonaws.com"
	DefaultMountPath                 = "/var/run/secrets/eks.amazonaws.com/serviceaccount"
	DefaultTokenExpiration     int64 = 86400
	DefaultPodIdentityURI            = "http://169.254.170.23/v1/credentials"
	DefaultMaxBodyBytes        int64 = 4 << 20
	DefaultLookupTimeout             = 5 * time.Second
	PodIdentityAudience              = "pods.eks.amazonaws.com"
	PodIdentityMountPath             = "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount"
	PodIdentityTokenPath             = "eks-pod-identity-token"
	PodIdentityTokenExpiration int64 = 86400

	// IRSAVolumeName and PodIdentityVolumeName are the projected token
	// volumes' names.
	IRSAVolumeName        = "aws-iam-token"
	PodIdentityVolumeName = "eks-pod-identity-token"
	// IRSATokenPath is the token file's name inside the IRSA mount.
	IRSATokenPath = "token"

	// MinTokenExpiration and MaxTokenExpiration bound a projected token's
	// expirationSeconds: the API server rejects values below 10 minutes and
	// above 2^32 seconds.
	MinTokenExpiration int64 = 600
	MaxTokenExpiration int64 = 1 << 32
)

// Config configures a Mutator. The zero value of each field selects the EKS
// default noted on it; call WithDefaults to see the effective values.
type Config struct {
	// Cluster is the name of the registered cluster the webhook acts for;
	// it scopes pod identity association lookups. Required when
	// Associations are used.
	Cluster string
	// AnnotationPrefix is the annotation and label domain, without a
	// trailing slash. Default "eks.amazonaws.com".
	AnnotationPrefix string
	// DefaultAudience is the IRSA token audience when the ServiceAccount
	// has no audience annotation. Default "sts.amazonaws.com".
	DefaultAudience string
	// MountPath is where the IRSA token volume is mounted; the token file
	// is MountPath/token. Default
	// "/var/run/secrets/eks.amazonaws.com/serviceaccount".
	MountPath string
	// DefaultRegion, if set, is injected as AWS_DEFAULT_REGION and
	// AWS_REGION. Default "" (not injected), as on EKS.
	DefaultRegion string
	// DefaultTokenExpiration is the IRSA token lifetime in seconds when no
	// annotation sets it. Default 86400; values are clamped to
	// [MinTokenExpiration, MaxTokenExpiration].
	DefaultTokenExpiration int64
	// RegionalSTS injects AWS_STS_REGIONAL_ENDPOINTS=regional for
	// ServiceAccounts without the sts-regional-endpoints annotation (EKS's
	// --sts-regional-endpoint flag). Default false.
	RegionalSTS bool
	// PodIdentityURI is the value of AWS_CONTAINER_CREDENTIALS_FULL_URI.
	// Default "http://169.254.170.23/v1/credentials" (the Pod Identity
	// agent's link-local address); locally a loopback URL such as
	// "http://127.0.0.1:2703/v1/credentials" works with real SDKs.
	PodIdentityURI string
	// InjectEndpoint, if set, is injected as AWS_ENDPOINT_URL_STS into
	// IRSA-mutated containers that set neither AWS_ENDPOINT_URL_STS nor
	// AWS_ENDPOINT_URL, so SDKs exchange the web identity token with
	// trustbridge instead of AWS. Default "" (not injected, as on EKS).
	InjectEndpoint string
	// DenyOnError answers allowed: false when the webhook fails (lookup
	// error, malformed Pod, invalid annotation in StrictAnnotations mode).
	// Default false: such Pods are admitted unmutated.
	DenyOnError bool
	// StrictAnnotations treats an invalid annotation value (a
	// token-expiration that is not an integer or out of range, an
	// sts-regional-endpoints that is not a boolean, a role-arn that is not
	// an IAM role ARN) as an error instead of EKS's behaviour of logging
	// it, warning the client and falling back to the default (or clamping).
	// Default false.
	StrictAnnotations bool
	// MaxBodyBytes bounds an AdmissionReview body. Default 4 MiB.
	MaxBodyBytes int64
	// LookupTimeout bounds the association and ServiceAccount lookups of
	// one review (the grace period of an informer-backed ServiceAccounts
	// runs inside it). Default 5 s; the API server's own webhook timeout
	// (10 s by default) still applies.
	LookupTimeout time.Duration
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.AnnotationPrefix == "" {
		c.AnnotationPrefix = DefaultAnnotationPrefix
	}
	c.AnnotationPrefix = strings.TrimSuffix(c.AnnotationPrefix, "/")
	if c.DefaultAudience == "" {
		c.DefaultAudience = DefaultAudience
	}
	if c.MountPath == "" {
		c.MountPath = DefaultMountPath
	}
	c.MountPath = path.Clean(c.MountPath)
	if c.DefaultTokenExpiration == 0 {
		c.DefaultTokenExpiration = DefaultTokenExpiration
	}
	if c.PodIdentityURI == "" {
		c.PodIdentityURI = DefaultPodIdentityURI
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.LookupTimeout <= 0 {
		c.LookupTimeout = DefaultLookupTimeout
	}
	return c
}

// Validate reports the first invalid field of c (after defaults), naming
// the field.
func (c Config) Validate() error {
	c = c.WithDefaults()
	var errs []error
	if strings.ContainsAny(c.AnnotationPrefix, "/ ") {
		errs = append(errs, fmt.Errorf("annotationPrefix: %q must be a DNS subdomain without a slash", c.AnnotationPrefix))
	}
	if !strings.HasPrefix(c.MountPath, "/") {
		errs = append(errs, fmt.Errorf("mountPath: %q must be an absolute path", c.MountPath))
	}
	if c.DefaultTokenExpiration < MinTokenExpiration || c.DefaultTokenExpiration > MaxTokenExpiration {
		errs = append(errs, fmt.Errorf("defaultTokenExpiration: %d must be between %d and %d seconds", c.DefaultTokenExpiration, MinTokenExpiration, MaxTokenExpiration))
	}
	if err := checkURL(c.PodIdentityURI); err != nil {
		errs = append(errs, fmt.Errorf("podIdentityURI: %w", err))
	}
	if c.InjectEndpoint != "" {
		if err := checkURL(c.InjectEndpoint); err != nil {
			errs = append(errs, fmt.Errorf("injectEndpoint: %w", err))
		}
	}
	return errors.Join(errs...)
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL", s)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q must be an absolute http or https URL", s)
	}
	return nil
}

// windowsPath turns a Linux container path into the path Windows
// containers see for the same mount: kubelet mounts "/var/run/x" at
// "C:\var\run\x".
func windowsPath(p string) string {
	return `C:` + strings.ReplaceAll(p, "/", `\`)
}
