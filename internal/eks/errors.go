package eks

import (
	"errors"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/store"
)

// The EKS error constructors. Codes, statuses and extra members are the
// botocore model's (ResourceNotFoundException is 404 with clusterName,
// ResourceInUseException 409, the parameter errors 400); messages are
// EKS's where they are publicly known.

func clusterNotFound(name string) *apierror.Error {
	return &apierror.Error{Code: "ResourceNotFoundException", Message: "No cluster found for name: " + name + ".", Status: http.StatusNotFound,
		Fields: map[string]string{"clusterName": name}}
}

func clusterExists(name string) *apierror.Error {
	return &apierror.Error{Code: "ResourceInUseException", Message: "Cluster already exists with name: " + name, Status: http.StatusConflict,
		Fields: map[string]string{"clusterName": name}}
}

func associationNotFound(cluster, id string) *apierror.Error {
	return &apierror.Error{Code: "ResourceNotFoundException", Message: "No Pod Identity Association found for id: " + id + ".", Status: http.StatusNotFound,
		Fields: map[string]string{"clusterName": cluster}}
}

func associationExists(cluster, namespace, serviceAccount string) *apierror.Error {
	return &apierror.Error{Code: "ResourceInUseException", Message: "Association already exists for service account " + serviceAccount + " in namespace " + namespace + ".", Status: http.StatusConflict,
		Fields: map[string]string{"clusterName": cluster}}
}

func accessEntryNotFound(cluster string) *apierror.Error {
	return &apierror.Error{Code: "ResourceNotFoundException", Message: "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.", Status: http.StatusNotFound,
		Fields: map[string]string{"clusterName": cluster}}
}

func accessEntryExists(cluster string) *apierror.Error {
	return &apierror.Error{Code: "ResourceInUseException", Message: "The specified access entry resource is already in use on this cluster.", Status: http.StatusConflict,
		Fields: map[string]string{"clusterName": cluster}}
}

func policyNotAssociated(cluster, policyARN string) *apierror.Error {
	return &apierror.Error{Code: "ResourceNotFoundException", Message: "The specified policyArn " + policyARN + " is not associated with this access entry.", Status: http.StatusNotFound,
		Fields: map[string]string{"clusterName": cluster}}
}

// invalidParameter is InvalidParameterException; cluster may be "".
func invalidParameter(cluster, msg string) *apierror.Error {
	e := &apierror.Error{Code: "InvalidParameterException", Message: msg, Status: http.StatusBadRequest}
	if cluster != "" {
		e.Fields = map[string]string{"clusterName": cluster}
	}
	return e
}

// invalidRequest is InvalidRequestException; cluster may be "".
func invalidRequest(cluster, msg string) *apierror.Error {
	e := &apierror.Error{Code: "InvalidRequestException", Message: msg, Status: http.StatusBadRequest}
	if cluster != "" {
		e.Fields = map[string]string{"clusterName": cluster}
	}
	return e
}

// authModeRequired is EKS's answer to an access entry action on a cluster
// whose authentication mode is CONFIG_MAP.
func authModeRequired(cluster string) *apierror.Error {
	return invalidRequest(cluster, "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.")
}

func unknownOperation(r *http.Request) *apierror.Error {
	return &apierror.Error{Code: "UnknownOperationException", Message: "No operation matches " + r.Method + " " + truncate(r.URL.Path, 200) + ".", Status: http.StatusNotFound}
}

// badNextToken answers a nextToken the store cannot decode.
func badNextToken(cluster string) *apierror.Error {
	return invalidParameter(cluster, "The nextToken is not valid.")
}

// storeErr maps the store's sentinel errors that a request can cause to
// EKS errors; other errors are returned unchanged (and become a 500).
func storeErr(err error, cluster string) error {
	var se *store.Error
	if !errors.As(err, &se) {
		return err
	}
	switch {
	case errors.Is(err, store.ErrNotFound) && se.Entity == store.EntityCluster:
		return clusterNotFound(cluster)
	case errors.Is(err, store.ErrNotFound) && se.Entity == store.EntityAccessEntry:
		return accessEntryNotFound(cluster)
	case errors.Is(err, store.ErrNotFound) && se.Entity == store.EntityPodIdentityAssociation:
		return associationNotFound(cluster, se.Name)
	case errors.Is(err, store.ErrInvalid):
		return badNextToken(cluster)
	}
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
