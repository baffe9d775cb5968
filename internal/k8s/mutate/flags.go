package mutate

import (
	"github.com/spf13/pflag"
)

// AddFlags registers the mutation flags on fs, bound to c and inf, with
// the EKS pod identity webhook's flag names where one exists so that
// instructions written for EKS carry over:
//
//	--annotation-prefix                   (EKS) default eks.amazonaws.com
//	--token-audience                      (EKS) default sts.amazonaws.com
//	--token-mount-path                    (EKS) default /var/run/secrets/eks.amazonaws.com/serviceaccount
//	--token-expiration                    (EKS) default 86400
//	--aws-default-region                  (EKS) default ""
//	--sts-regional-endpoint               (EKS) default false
//	--service-account-lookup-grace-period (EKS) default 300ms
//	--pod-identity-credentials-uri        default http://169.254.170.23/v1/credentials
//	--inject-endpoint                     default "" (trustbridge: AWS_ENDPOINT_URL_STS)
//	--deny-on-error                       default false
//	--strict-annotations                  default false
//
// Defaults already in c and inf win over the package defaults. --cluster
// is not registered here: the webhook command owns it (it also scopes the
// cluster-access endpoints). inf may be nil when no informer is used.
func AddFlags(fs *pflag.FlagSet, c *Config, inf *InformerConfig) {
	d := c.WithDefaults()
	fs.StringVar(&c.AnnotationPrefix, "annotation-prefix", d.AnnotationPrefix, "prefix of the ServiceAccount and Pod annotations and of the skip label")
	fs.StringVar(&c.DefaultAudience, "token-audience", d.DefaultAudience, "IRSA token audience when the ServiceAccount has no audience annotation")
	fs.StringVar(&c.MountPath, "token-mount-path", d.MountPath, "where the IRSA token volume is mounted in containers")
	fs.Int64Var(&c.DefaultTokenExpiration, "token-expiration", d.DefaultTokenExpiration, "IRSA token lifetime in seconds when no annotation sets it (600 to 4294967296)")
	fs.StringVar(&c.DefaultRegion, "aws-default-region", d.DefaultRegion, "if set, injected as AWS_DEFAULT_REGION and AWS_REGION")
	fs.BoolVar(&c.RegionalSTS, "sts-regional-endpoint", d.RegionalSTS, "inject AWS_STS_REGIONAL_ENDPOINTS=regional unless the ServiceAccount annotation says otherwise")
	fs.StringVar(&c.PodIdentityURI, "pod-identity-credentials-uri", d.PodIdentityURI, "AWS_CONTAINER_CREDENTIALS_FULL_URI injected for Pod Identity (a loopback URL works for local clusters)")
	fs.StringVar(&c.InjectEndpoint, "inject-endpoint", d.InjectEndpoint, "if set, injected as AWS_ENDPOINT_URL_STS for IRSA so SDKs in pods call this STS endpoint")
	fs.BoolVar(&c.DenyOnError, "deny-on-error", d.DenyOnError, "deny pod creation when the webhook fails instead of admitting the pod unmutated")
	fs.BoolVar(&c.StrictAnnotations, "strict-annotations", d.StrictAnnotations, "treat invalid annotation values as errors instead of falling back to defaults")
	if inf != nil {
		grace := inf.GracePeriod
		if grace == 0 {
			grace = DefaultGracePeriod
		}
		fs.DurationVar(&inf.GracePeriod, "service-account-lookup-grace-period", grace, "how long to keep looking for a ServiceAccount a Pod names before admitting it unmutated (negative: no retries)")
	}
}
