package phonesync

import (
	"errors"
	"strings"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// maxUPN is Entra's limit: 113 characters, of which 64 before the @.
const maxUPN = 113

// upnLocalRunes are the characters Entra allows before the @ of a user
// principal name besides letters and digits ('#' appears in guests' UPNs).
const upnLocalRunes = "'.-_!#^~"

// validUserRef accepts an object id or a well-formed user principal name.
// It keeps path tricks ("/", "?", "%", "..") out of the Graph URL before
// the SDK ever escapes them; the directory decides whether the user exists.
func validUserRef(s string) error {
	if directory.IsObjectID(s) {
		return nil
	}
	local, domain, ok := strings.Cut(s, "@")
	switch {
	case len(s) > maxUPN:
		return errors.New("longer than a user principal name can be")
	case !ok || local == "" || domain == "" || strings.Contains(domain, "@"):
		return errors.New("must be a user principal name (name@domain) or an object id (GUID)")
	case !allOf(local, upnLocalRunes) || !allOf(domain, ".-") || strings.Contains(s, ".."):
		return errors.New("contains characters a user principal name cannot have")
	}
	return nil
}

func allOf(s, extra string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(extra, r)) {
			return false
		}
	}
	return true
}
