package callout

import "strings"

// CallbackPrefix is where every Entitlement Management callback path lives.
const CallbackPrefix = "/identityGovernance/entitlementManagement/"

const maxPathLength = 2048

// check applies the content rules to a parsed (or reconstructed) callout,
// in a fixed order so the first problem reported is deterministic.
func (c Callout) check() error {
	for _, f := range []struct{ name, value string }{
		{fieldRequestID, c.RequestID},
		{fieldStageInstanceID, c.StageInstanceID},
	} {
		if err := requireGUID(f.name, f.value); err != nil {
			return err
		}
	}
	if err := checkIdentifier(fieldStage, c.Stage, true); err != nil {
		return err
	}
	if reason := callbackPathProblem(c.CallbackURIPath); reason != "" {
		return fail(fieldCallbackURIPath, reason)
	}
	if err := requireGUID(fieldTarget, c.TargetObjectID); err != nil {
		return err
	}
	return c.checkOptional()
}

func (c Callout) checkOptional() error {
	for _, f := range []struct{ name, value string }{
		{fieldRequestor, c.RequestorObjectID},
		{fieldAccessPackage, c.AccessPackageID},
		{fieldCatalog, c.CatalogID},
	} {
		if f.value != "" && !isGUID(f.value) {
			return fail(f.name, "must be a GUID")
		}
	}
	return checkIdentifier(fieldRequestType, c.RequestType, false)
}

func requireGUID(field, v string) error {
	switch {
	case v == "":
		return fail(field, "missing")
	case !isGUID(v):
		return fail(field, "must be a GUID")
	}
	return nil
}

// isGUID accepts the 8-4-4-4-12 hex form Graph uses, in either case.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

// checkIdentifier keeps enum-like values (Stage, RequestType) to ASCII
// letters and digits: Stage ends up in the resume "type", which the CSDL
// declares Unicode="false", and neither ever needs more.
func checkIdentifier(field, v string, required bool) error {
	if v == "" {
		if required {
			return fail(field, "missing")
		}
		return nil
	}
	if len(v) > 64 || !isLetter(v[0]) {
		return fail(field, "must be a name of ASCII letters and digits")
	}
	for i := 1; i < len(v); i++ {
		if !isLetter(v[i]) && !('0' <= v[i] && v[i] <= '9') {
			return fail(field, "must be a name of ASCII letters and digits")
		}
	}
	return nil
}

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

// callbackPathProblem returns why p is not a safe callback path, or "".
// The path is appended to our Graph base URL, so it must stay a plain path
// below CallbackPrefix: no scheme or host, no "//" (which some URL
// resolvers read as a new authority), no dot segments, no query or
// fragment, and no percent-encoding that could hide any of these. The
// prefix compares case-insensitively, as Graph paths do.
func callbackPathProblem(p string) string {
	switch {
	case p == "":
		return "missing"
	case len(p) > maxPathLength:
		return "longer than 2048 bytes"
	case len(p) < len(CallbackPrefix) || !strings.EqualFold(p[:len(CallbackPrefix)], CallbackPrefix):
		return "must start with " + CallbackPrefix
	case len(p) == len(CallbackPrefix):
		return "must name a resource below " + CallbackPrefix
	case strings.ContainsAny(p, "?#"):
		return "must not contain a query or fragment"
	case strings.Contains(p, ".."):
		return "must not contain '..'"
	case strings.Contains(p, "//"):
		return "must not contain an empty segment"
	case strings.Contains(p+"/", "/./"):
		return "must not contain a '.' segment"
	}
	for i := 0; i < len(p); i++ {
		if !isPathByte(p[i]) {
			return "contains a character not allowed in a Graph path"
		}
	}
	return ""
}

// isPathByte allows what Graph paths use: letters, digits, "/", "-", "_",
// ".", and the OData key syntax "(", ")", "'", "=", ",". Everything else
// ("%", "\", ":", "@", spaces, controls, non-ASCII) is refused.
func isPathByte(b byte) bool {
	if isLetter(b) || '0' <= b && b <= '9' {
		return true
	}
	return strings.IndexByte("/-_.()'=,", b) >= 0
}
