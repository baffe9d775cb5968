package iam

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/store"
)

// IAM's error codes (botocore's iam model) with their HTTP statuses.
const (
	codeNoSuchEntity            = "NoSuchEntity"            // 404
	codeEntityAlreadyExists     = "EntityAlreadyExists"     // 409
	codeDeleteConflict          = "DeleteConflict"          // 409
	codeLimitExceeded           = "LimitExceeded"           // 409
	codeInvalidInput            = "InvalidInput"            // 400
	codeMalformedPolicyDocument = "MalformedPolicyDocument" // 400
)

func iamError(code string, status int, format string, args ...any) *apierror.Error {
	return apierror.New(code, status, format, args...)
}

func noSuchEntity(format string, args ...any) *apierror.Error {
	return iamError(codeNoSuchEntity, http.StatusNotFound, format, args...)
}

func alreadyExists(format string, args ...any) *apierror.Error {
	return iamError(codeEntityAlreadyExists, http.StatusConflict, format, args...)
}

func deleteConflict(msg string) *apierror.Error {
	return iamError(codeDeleteConflict, http.StatusConflict, "%s", msg)
}

func limitExceeded(format string, args ...any) *apierror.Error {
	return iamError(codeLimitExceeded, http.StatusConflict, format, args...)
}

func invalidInput(format string, args ...any) *apierror.Error {
	return iamError(codeInvalidInput, http.StatusBadRequest, format, args...)
}

// NoSuchEntity messages, as AWS words them.

func errNoSuchRole(name string) error {
	return noSuchEntity("The role with name %s cannot be found.", name)
}

func errNoSuchUser(name string) error {
	return noSuchEntity("The user with name %s cannot be found.", name)
}

func errNoSuchRolePolicy(name string) error {
	return noSuchEntity("The role policy with name %s cannot be found.", name)
}

func errNoSuchUserPolicy(name string) error {
	return noSuchEntity("The user policy with name %s cannot be found.", name)
}

func errNoSuchPolicy(policyARN string) error {
	return noSuchEntity("Policy %s does not exist or is not attachable.", policyARN)
}

func errNoSuchPolicyVersion(policyARN, versionID string) error {
	return noSuchEntity("Policy %s version %s does not exist or is not attachable.", policyARN, versionID)
}

func errPolicyNotAttached(policyARN string) error {
	return noSuchEntity("Policy %s was not found.", policyARN)
}

func errNoSuchAccessKey(id string) error {
	return noSuchEntity("The Access Key with id %s cannot be found.", id)
}

func errNoSuchProvider(providerARN string) error {
	return noSuchEntity("OpenIDConnect Provider not found for arn %s", providerARN)
}

// EntityAlreadyExists messages.

func errRoleExists(name string) error {
	return alreadyExists("Role with name %s already exists.", name)
}

func errUserExists(name string) error {
	return alreadyExists("User with name %s already exists.", name)
}

func errPolicyExists(name string) error {
	return alreadyExists("A policy called %s already exists. Duplicate names are not allowed.", name)
}

func errProviderExists(url string) error {
	return alreadyExists("Provider with url %s already exists.", url)
}

// DeleteConflict messages.

var (
	errMustDeletePolicies   = deleteConflict("Cannot delete entity, must delete policies first.")
	errMustDetachPolicies   = deleteConflict("Cannot delete entity, must detach all policies first.")
	errMustDeleteAccessKeys = deleteConflict("Cannot delete entity, must delete access keys first.")
	errPolicyAttached       = deleteConflict("Cannot delete a policy attached to entities.")
	errPolicyIsBoundary     = deleteConflict("Cannot delete a policy used as a permissions boundary.")
	errPolicyHasVersions    = deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	errDeleteDefaultVersion = deleteConflict("Cannot delete the default version of a policy.")
)

// LimitExceeded messages.

func errTooManyAccessKeys() error {
	return limitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeys)
}

func errTooManyVersions() error {
	return limitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", store.MaxPolicyVersions)
}

func errTooManyTags(kind string) error {
	return limitExceeded("Cannot exceed quota for TagsPer%s: %d", kind, maxTags)
}

func errTooManyAttached(kind string) error {
	return limitExceeded("Cannot exceed quota for PoliciesPer%s: %d", kind, maxAttachedPolicies)
}

func errTrustPolicyTooLarge(limit int) error {
	return limitExceeded("Cannot exceed quota for ACLSizePerRole: %d", limit)
}

func errManagedPolicyTooLarge(limit int) error {
	return limitExceeded("Cannot exceed quota for PolicySize: %d", limit)
}

func errInlinePolicyTooLarge(limit int, kind, name string) error {
	return limitExceeded("Maximum policy size of %d bytes exceeded for %s %s", limit, kind, name)
}

// InvalidInput and ValidationError messages.

func errInvalidARN(s string) error {
	return invalidInput("ARN %s is not valid.", s)
}

func errBoundaryNotAttachable(policyARN string) error {
	return invalidInput("Scope ARN: %s does not exist or is not attachable.", policyARN)
}

func errDuplicateTagKeys() error {
	return invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
}

func errReservedTagKey() error {
	return invalidInput("User-defined tag keys can't start with 'aws:'. This prefix is reserved for AWS tags.")
}

func errNonUserCredentials() error {
	return apierror.ValidationError("Must specify userName when calling with non-User credentials")
}

func errInvalidMarker() error {
	return apierror.ValidationError("Invalid Marker.")
}

func errAWSManagedPolicy(action string) error {
	if action == "DeletePolicy" {
		return apierror.AccessDenied("Cannot delete policies outside your own account.")
	}
	return apierror.AccessDenied("Cannot modify policies outside your own account.")
}

// storeErr maps the store's sentinel errors that a handler did not map
// itself to IAM errors. Errors that are already *apierror.Error pass
// through; database failures stay as they are and become a 500
// InternalFailure without their text.
func storeErr(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := apierror.As(err); ok {
		return err
	}
	var se *store.Error
	if !errors.As(err, &se) {
		return err
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		switch se.Entity {
		case store.EntityRole:
			return errNoSuchRole(se.Name)
		case store.EntityUser:
			return errNoSuchUser(se.Name)
		case store.EntityPolicy:
			return errNoSuchPolicy(se.Name)
		case store.EntityAccessKey:
			return errNoSuchAccessKey(se.Name)
		case store.EntityAttachment:
			return errPolicyNotAttached(se.Name)
		}
		return noSuchEntity("The %s %s cannot be found.", se.Entity, se.Name)
	case errors.Is(err, store.ErrAlreadyExists):
		switch se.Entity {
		case store.EntityRole:
			return errRoleExists(se.Name)
		case store.EntityUser:
			return errUserExists(se.Name)
		case store.EntityPolicy:
			return errPolicyExists(se.Name)
		}
		return alreadyExists("The %s %s already exists.", se.Entity, se.Name)
	case errors.Is(err, store.ErrLimitExceeded):
		if se.Entity == store.EntityPolicy {
			return errTooManyVersions()
		}
		return limitExceeded("Cannot exceed quota for %s.", se.Entity)
	case errors.Is(err, store.ErrConflict):
		switch se.Entity {
		case store.EntityPolicy:
			return errPolicyAttached
		case store.EntityPolicyVersion:
			return errDeleteDefaultVersion
		}
		return iamError("ConcurrentModification", http.StatusConflict, "The request was rejected because multiple requests to change this object were submitted simultaneously. Wait a few minutes and submit your request again.")
	case errors.Is(err, store.ErrInvalid):
		if se.Detail == "malformed marker" {
			return errInvalidMarker()
		}
		return fmt.Errorf("iam: store rejected the request: %w", err)
	}
	return err
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
