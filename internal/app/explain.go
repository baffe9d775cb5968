package app

import (
	"errors"
	"net/http"
	"strings"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/awsrest"
	"github.com/trustbridge/trustbridge/internal/server"
	"github.com/trustbridge/trustbridge/internal/store"
)

// ExplainService is the SigV4 service name of trustbridge's own API
// (GET /explain/REQUEST_ID), used by `trustbridge explain`.
const ExplainService = "trustbridge"

// explainAPI serves the decision record of a request to principals of the
// account the decision concerns.
type explainAPI struct{ a *App }

func (e explainAPI) ServeREST(w http.ResponseWriter, r *http.Request) {
	id := server.RequestID(r.Context())
	ctx, err := e.a.Auth.Authenticate(r.Context(), r, nil, ExplainService)
	if err != nil {
		awsrest.WriteError(w, id, err, false)
		return
	}
	reqID, ok := strings.CutPrefix(r.URL.Path, "/explain/")
	if !ok || r.Method != http.MethodGet || reqID == "" {
		awsrest.WriteError(w, id, &apierror.Error{Code: "NotFoundException", Message: "Use GET /explain/REQUEST_ID.", Status: 404}, false)
		return
	}
	rec, err := e.a.Audit.Get(ctx, reqID)
	notFound := &apierror.Error{Code: "ResourceNotFoundException", Message: "No decision is recorded for request " + reqID + " (only denials are kept, for 24 hours).", Status: 404}
	if errors.Is(err, store.ErrNotFound) {
		awsrest.WriteError(w, id, notFound, false)
		return
	}
	if err != nil {
		awsrest.WriteError(w, id, err, false)
		return
	}
	c := auth.FromContext(ctx)
	// Explanations reveal policy contents: only the account they concern
	// may read them (the caller's account, or the resource's).
	if c.Principal.Account != rec.Event.UserIdentity.AccountID && (rec.Event.Decision == nil || !strings.Contains(rec.Event.Decision.Resource, ":"+c.Principal.Account+":")) {
		awsrest.WriteError(w, id, notFound, false)
		return
	}
	awsrest.WriteJSON(w, http.StatusOK, id, rec)
}
