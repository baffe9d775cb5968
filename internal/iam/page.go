package iam

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/trustbridge/trustbridge/internal/store"
)

// defaultMaxItems is IAM's page size when MaxItems is absent. The model
// bounds MaxItems to 1..1000 before a handler runs.
const defaultMaxItems = 100

func limit(maxItems *int32) int {
	if maxItems == nil || *maxItems <= 0 {
		return defaultMaxItems
	}
	return int(*maxItems)
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// storePage converts Marker and MaxItems to a store page; the store's
// markers are opaque and pass through unchanged.
func storePage(marker *string, maxItems *int32) store.Page {
	return store.Page{Marker: str(marker), Limit: limit(maxItems)}
}

// pathPrefix returns the PathPrefix of a list request, "/" when absent.
func pathPrefix(p *string) string {
	if p == nil || *p == "" {
		return "/"
	}
	return *p
}

// offsetMarkerPrefix starts the markers of lists trustbridge pages in
// memory (access keys, tags, versions, simulation results).
const offsetMarkerPrefix = "offset:"

// encodeOffset returns the marker of the page starting at item n.
func encodeOffset(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(offsetMarkerPrefix + strconv.Itoa(n)))
}

// decodeOffset parses a marker made by encodeOffset.
func decodeOffset(marker string) (int, bool) {
	if len(marker) > 64 {
		return 0, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(marker)
	if err != nil {
		return 0, false
	}
	s, ok := strings.CutPrefix(string(b), offsetMarkerPrefix)
	if !ok || s == "" || len(s) > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || strconv.Itoa(n) != s {
		return 0, false
	}
	return n, true
}

// offsetPage returns one page of items and the marker of the next ("" on
// the last page). A marker that does not decode, or points past the end,
// is AWS's "Invalid Marker." ValidationError.
func offsetPage[T any](items []T, marker *string, maxItems *int32) ([]T, string, error) {
	start := 0
	if marker != nil && *marker != "" {
		n, ok := decodeOffset(*marker)
		if !ok || n > len(items) {
			return nil, "", errInvalidMarker()
		}
		start = n
	}
	end := start + limit(maxItems)
	if end >= len(items) {
		return items[start:], "", nil
	}
	return items[start:end], encodeOffset(end), nil
}
