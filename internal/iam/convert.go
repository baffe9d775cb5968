package iam

import (
	"sort"
	"strings"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/awsquery"
	"github.com/trustbridge/trustbridge/internal/store"
)

// Conversions from store entities to the wire shapes.

// defaultMaxSessionDuration is a role's MaxSessionDuration when none was
// given, as IAM reports it.
const defaultMaxSessionDuration = 3600

// EncodeDocument percent-encodes a policy document the way IAM returns
// documents: every byte but the RFC 3986 unreserved characters
// (A-Z a-z 0-9 - _ . ~) becomes %XX, spaces included (never '+'), so
// that both botocore's unquote and Go's url.QueryUnescape restore the
// document exactly.
func EncodeDocument(doc string) string {
	const hex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(doc); i++ {
		if !unreserved(doc[i]) {
			n++
		}
	}
	if n == 0 {
		return doc
	}
	var b strings.Builder
	b.Grow(len(doc) + 2*n)
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// tagList returns tags sorted by key, as IAM lists them.
func tagList(tags map[string]string) List[Tag] {
	if len(tags) == 0 {
		return nil
	}
	out := make(List[Tag], 0, len(tags))
	for k, v := range tags {
		out = append(out, Tag{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func boundaryShape(policyARN string) *AttachedPermissionsBoundary {
	if policyARN == "" {
		return nil
	}
	return &AttachedPermissionsBoundary{PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: policyARN}
}

func timePtr(t awsquery.Time) *awsquery.Time { return &t }

// userShape converts a user. full adds what GetUser returns but ListUsers
// does not (the boundary and tags).
func userShape(u *store.User, partition string, full bool) User {
	out := User{
		Path: u.Path, UserName: u.Name, UserId: u.UserID,
		Arn:        arn.User(partition, u.Account, u.Path, u.Name),
		CreateDate: awsquery.Time(u.CreateDate),
	}
	if full {
		out.PermissionsBoundary = boundaryShape(u.PermissionsBoundaryARN)
		out.Tags = tagList(u.Tags)
	}
	return out
}

// roleShape converts a role. full adds what GetRole returns but ListRoles
// does not (the boundary, tags and last use).
func roleShape(r *store.Role, partition string, full bool) Role {
	msd := r.MaxSessionDuration
	if msd == 0 {
		msd = defaultMaxSessionDuration
	}
	out := Role{
		Path: r.Path, RoleName: r.Name, RoleId: r.RoleID,
		Arn:                      arn.Role(partition, r.Account, r.Path, r.Name),
		CreateDate:               awsquery.Time(r.CreateDate),
		AssumeRolePolicyDocument: EncodeDocument(r.TrustPolicy),
		Description:              r.Description,
		MaxSessionDuration:       &msd,
	}
	if full {
		out.PermissionsBoundary = boundaryShape(r.PermissionsBoundaryARN)
		out.Tags = tagList(r.Tags)
		out.RoleLastUsed = &RoleLastUsed{}
		if r.LastUsed != nil && !r.LastUsed.Date.IsZero() {
			out.RoleLastUsed.LastUsedDate = timePtr(awsquery.Time(r.LastUsed.Date))
			out.RoleLastUsed.Region = r.LastUsed.Region
		}
	}
	return out
}

// policyShape converts a managed policy. withTags adds its tags (GetPolicy,
// CreatePolicy); lists leave them out, as IAM's do.
func policyShape(p *store.ManagedPolicy, withTags bool) Policy {
	out := Policy{
		PolicyName: p.Name, PolicyId: p.PolicyID, Arn: p.ARN, Path: p.Path,
		DefaultVersionId: p.DefaultVersionID, AttachmentCount: p.AttachmentCount,
		PermissionsBoundaryUsageCount: p.PermissionsBoundaryUsageCount,
		IsAttachable:                  true,
		Description:                   p.Description,
		CreateDate:                    awsquery.Time(p.CreateDate),
		UpdateDate:                    awsquery.Time(p.UpdateDate),
	}
	if p.UpdateDate.IsZero() {
		out.UpdateDate = out.CreateDate
	}
	if withTags {
		out.Tags = tagList(p.Tags)
	}
	return out
}

// versionShape converts a policy version; withDocument includes its
// URL-encoded document.
func versionShape(v *store.PolicyVersion, defaultID string, withDocument bool) PolicyVersion {
	out := PolicyVersion{VersionId: v.VersionID, IsDefaultVersion: v.VersionID == defaultID, CreateDate: awsquery.Time(v.CreateDate)}
	if withDocument {
		out.Document = EncodeDocument(v.Document)
	}
	return out
}

func attachedList(in []store.AttachedPolicy) List[AttachedPolicy] {
	out := make(List[AttachedPolicy], 0, len(in))
	for _, a := range in {
		out = append(out, AttachedPolicy{PolicyName: a.PolicyName, PolicyArn: a.PolicyARN})
	}
	return out
}

func accessKeyMetadata(k *store.AccessKey) AccessKeyMetadata {
	return AccessKeyMetadata{UserName: k.UserName, AccessKeyId: k.AccessKeyID, Status: k.Status, CreateDate: awsquery.Time(k.CreateDate)}
}
