package testbed

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// AWSRegion is the region AWSConfig signs for.
const AWSRegion = "us-east-1"

// AWSConfig returns an AWS SDK for Go v2 configuration that sends every
// service's requests (STS, IAM, EKS, ...) to endpoint, trustbridge's edge
// (for example "http://127.0.0.1:PORT" or an https URL whose certificate
// caPEM verifies; nil caPEM means the system roots). Requests are signed
// for AWSRegion with creds and never retried, so a test sees the first
// response. Nothing is read from the environment or ~/.aws: a test that
// means to exercise the SDK's default credential chain (web identity from
// AWS_WEB_IDENTITY_TOKEN_FILE, the Pod Identity container endpoint) must
// call config.LoadDefaultConfig itself.
func AWSConfig(endpoint string, creds aws.CredentialsProvider, caPEM []byte) (aws.Config, error) {
	cfg := aws.Config{
		Region:       AWSRegion,
		BaseEndpoint: aws.String(endpoint),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
	if creds != nil {
		cfg.Credentials = aws.NewCredentialsCache(creds)
	}
	if len(caPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return aws.Config{}, errors.New("aws config: no certificate in CA PEM")
		}
		cfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			if tr.TLSClientConfig == nil {
				tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			}
			tr.TLSClientConfig.RootCAs = pool
		})
	}
	return cfg, nil
}

// StaticCredentials returns a provider of fixed credentials; sessionToken
// may be empty for long-term access keys.
func StaticCredentials(accessKeyID, secretAccessKey, sessionToken string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, sessionToken)
}
