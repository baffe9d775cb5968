package kubeserver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/store"
)

// searchRegions are the regions ResolveCluster searches when the reference
// names no region and none is configured: every AWS region in the aws,
// aws-us-gov and aws-cn partitions at the time of writing. A cluster
// registered in a region outside this list is found only when the region
// is given.
var searchRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2",
	"af-south-1",
	"ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
	"ca-central-1", "ca-west-1",
	"eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
	"eu-north-1", "eu-south-1", "eu-south-2",
	"il-central-1", "me-south-1", "me-central-1", "mx-central-1", "sa-east-1",
	"us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
}

// maxListedClusters bounds the clusters a not-found error lists.
const maxListedClusters = 20

// ErrClusterNotFound is returned (wrapped, with the known clusters listed)
// by ResolveCluster when no registered cluster matches.
var ErrClusterNotFound = errors.New("cluster not found")

// ResolveCluster finds the registered cluster a reference names. ref is
// one of
//
//   - a cluster ARN, arn:PARTITION:eks:REGION:ACCOUNT:cluster/NAME;
//   - REGION/NAME: the cluster NAME in REGION, in any account;
//   - NAME: the cluster NAME in region (if non-empty) or, if region is
//     empty, in any of the AWS regions, in any account.
//
// Exactly one cluster must match: none is an error wrapping
// ErrClusterNotFound that lists the registered clusters (up to 20), and
// several (the same name in several accounts or regions) is an error
// listing their ARNs. The search reads each account's clusters once per
// region searched, so it is meant for start-up, not the request path.
func ResolveCluster(ctx context.Context, st store.Store, ref, region string) (*store.Cluster, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, errors.New("no cluster named: give NAME, REGION/NAME or a cluster ARN")
	}
	if strings.HasPrefix(ref, "arn:") {
		cref, err := parseClusterARN(ref)
		if err != nil {
			return nil, err
		}
		c, err := st.GetCluster(ctx, cref)
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFound(ctx, st, ref, "")
		}
		if err != nil {
			return nil, fmt.Errorf("look up cluster %s: %w", ref, err)
		}
		return &c, nil
	}
	name := ref
	if r, n, ok := strings.Cut(ref, "/"); ok {
		if r == "" || n == "" || strings.Contains(n, "/") {
			return nil, fmt.Errorf("cluster %q: want NAME, REGION/NAME or a cluster ARN", ref)
		}
		region, name = r, n
	}
	regions := searchRegions
	if region != "" {
		regions = []string{region}
	}
	accounts, err := st.ListAccounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	var found []store.Cluster
	for _, a := range accounts {
		for _, r := range regions {
			c, err := st.GetCluster(ctx, store.ClusterRef{Account: a.ID, Region: r, Name: name})
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("look up cluster %s: %w", name, err)
			}
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return nil, notFound(ctx, st, ref, region)
	case 1:
		return &found[0], nil
	}
	arns := make([]string, len(found))
	for i, c := range found {
		arns[i] = c.ARN
	}
	return nil, fmt.Errorf("cluster %q is ambiguous: %s; name one by ARN", ref, strings.Join(arns, ", "))
}

// parseClusterARN parses arn:PARTITION:eks:REGION:ACCOUNT:cluster/NAME.
func parseClusterARN(s string) (store.ClusterRef, error) {
	a, err := arn.Parse(s)
	if err != nil || a.Service != "eks" || a.Region == "" || a.Account == "" {
		return store.ClusterRef{}, fmt.Errorf("%q is not an EKS cluster ARN", s)
	}
	name, ok := strings.CutPrefix(a.Resource, "cluster/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return store.ClusterRef{}, fmt.Errorf("%q is not an EKS cluster ARN", s)
	}
	return store.ClusterRef{Account: a.Account, Region: a.Region, Name: name}, nil
}

// notFound builds the not-found error, listing registered clusters in
// every searched region (all of them, so a wrong region is visible).
func notFound(ctx context.Context, st store.Store, ref, region string) error {
	where := ""
	if region != "" {
		where = " in region " + region
	}
	known, err := listClusters(ctx, st, maxListedClusters+1)
	if err != nil {
		return fmt.Errorf("%w: no registered cluster %q%s (listing the known clusters failed: %v)", ErrClusterNotFound, ref, where, err)
	}
	if len(known) == 0 {
		return fmt.Errorf("%w: no registered cluster %q%s, and trustbridge knows no clusters (register one in the world file's clusters section or with aws eks create-cluster)", ErrClusterNotFound, ref, where)
	}
	more := ""
	if len(known) > maxListedClusters {
		known, more = known[:maxListedClusters], ", ..."
	}
	return fmt.Errorf("%w: no registered cluster %q%s; known clusters: %s%s", ErrClusterNotFound, ref, where, strings.Join(known, ", "), more)
}

// listClusters returns up to limit cluster ARNs across accounts and the
// searched regions, sorted.
func listClusters(ctx context.Context, st store.Store, limit int) ([]string, error) {
	accounts, err := st.ListAccounts(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range accounts {
		for _, r := range searchRegions {
			page := store.Page{}
			for {
				cs, next, err := st.ListClusters(ctx, a.ID, r, page)
				if err != nil {
					return nil, err
				}
				for _, c := range cs {
					out = append(out, c.ARN)
				}
				if next == "" || len(out) >= limit {
					break
				}
				page.Marker = next
			}
			if len(out) >= limit {
				slices.Sort(out)
				return out, nil
			}
		}
	}
	slices.Sort(out)
	return out, nil
}
