package eks

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/trustbridge/trustbridge/internal/store"
)

// The model's limits.
const (
	maxClusterName = 100
	maxTags        = 50
	maxTagKey      = 128
	maxTagValue    = 256
	// maxResultsLimit is the maximum of every list's maxResults.
	maxResultsLimit = 100
)

var (
	clusterNameRE = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9\-_]*$`)
	// dnsLabelRE is a Kubernetes namespace (RFC 1123 label).
	dnsLabelRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// dnsSubdomainRE is a Kubernetes service account name (RFC 1123
	// subdomain).
	dnsSubdomainRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	// namespacePrefixRE is the part of a namespace pattern before "*".
	namespacePrefixRE = regexp.MustCompile(`^[a-z0-9][-a-z0-9]*$`)
)

// validClusterName reports whether s satisfies the model's ClusterName.
func validClusterName(s string) bool {
	return len(s) >= 1 && len(s) <= maxClusterName && clusterNameRE.MatchString(s)
}

func validNamespace(s string) bool { return len(s) <= 63 && dnsLabelRE.MatchString(s) }

func validServiceAccount(s string) bool { return len(s) <= 253 && dnsSubdomainRE.MatchString(s) }

// validNamespacePattern is an access scope namespace: a namespace name, or
// a prefix of one followed by "*".
func validNamespacePattern(s string) bool {
	p, wild := strings.CutSuffix(s, "*")
	if wild {
		return p == "" || (len(p) <= 62 && namespacePrefixRE.MatchString(p))
	}
	return validNamespace(p)
}

// checkTags validates a TagMap as EKS does.
func checkTags(cluster string, tags map[string]string) error {
	if tags == nil {
		return nil
	}
	if len(tags) == 0 || len(tags) > maxTags {
		return invalidParameter(cluster, "The number of tags must be between 1 and "+strconv.Itoa(maxTags)+".")
	}
	for k, v := range tags {
		if len(k) < 1 || len(k) > maxTagKey {
			return invalidParameter(cluster, "Tag keys must be between 1 and "+strconv.Itoa(maxTagKey)+" characters.")
		}
		if len(v) > maxTagValue {
			return invalidParameter(cluster, "Tag values must be at most "+strconv.Itoa(maxTagValue)+" characters.")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return invalidParameter(cluster, "Tag keys cannot start with 'aws:'.")
		}
	}
	return nil
}

// pageOf reads maxResults and nextToken from a list request's query.
func pageOf(r *http.Request, cluster string) (store.Page, error) {
	q := r.URL.Query()
	p := store.Page{Marker: q.Get("nextToken"), Limit: maxResultsLimit}
	if v, ok := q["maxResults"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > maxResultsLimit {
			return p, invalidParameter(cluster, "maxResults must be an integer between 1 and "+strconv.Itoa(maxResultsLimit)+".")
		}
		p.Limit = n
	}
	return p, nil
}

// checkHTTPSURL validates the trustbridge extension's URLs.
func checkHTTPSURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil
}
