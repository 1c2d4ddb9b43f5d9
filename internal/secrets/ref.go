package secrets

import (
	"net/url"
	"regexp"
	"strings"
)

const refPrefix = "@microsoft.keyvault("

var (
	// Key Vault object names and versions, and vault names (a DNS label).
	validSecretName = regexp.MustCompile(`^[0-9A-Za-z-]{1,127}$`)
	validVersion    = regexp.MustCompile(`^[0-9A-Za-z]{1,64}$`)
	validVaultName  = regexp.MustCompile(`^[A-Za-z][0-9A-Za-z-]{1,22}[0-9A-Za-z]$`)
)

// KVRef is a parsed App Service Key Vault reference.
type KVRef struct {
	// VaultURL, e.g. https://myvault.vault.azure.net (no trailing slash).
	VaultURL string
	// Name of the secret.
	Name string
	// Version, or "" for the latest.
	Version string
}

// String names the secret without any value, for logs and errors.
func (r KVRef) String() string {
	s := r.VaultURL + "/secrets/" + r.Name
	if r.Version != "" {
		s += "/" + r.Version
	}
	return s
}

// IsKeyVaultReference reports whether value looks like a Key Vault
// reference at all, well-formed or not. App Service leaves a reference it
// could not resolve in the setting verbatim, so a config loader that sees
// one has been handed the reference instead of the secret.
func IsKeyVaultReference(value string) bool {
	v := strings.TrimSpace(value)
	return len(v) >= len(refPrefix) && strings.EqualFold(v[:len(refPrefix)], refPrefix)
}

// ParseKeyVaultReference parses
//
//	@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/name/[version])
//	@Microsoft.KeyVault(VaultName=v;SecretName=name[;SecretVersion=version])
//
// ok is false if value is not a well-formed reference. The VaultName form
// resolves to the public cloud's vault.azure.net.
func ParseKeyVaultReference(value string) (ref KVRef, ok bool) {
	v := strings.TrimSpace(value)
	if !IsKeyVaultReference(v) || !strings.HasSuffix(v, ")") {
		return KVRef{}, false
	}
	params, ok := parseParams(v[len(refPrefix) : len(v)-1])
	if !ok {
		return KVRef{}, false
	}
	if uri, has := params["secreturi"]; has {
		if len(params) != 1 {
			return KVRef{}, false
		}
		return parseSecretURI(uri)
	}
	return parseVaultName(params)
}

// parseParams splits "k=v;k=v" into lower-cased keys; duplicates and
// empty values make the reference malformed.
func parseParams(s string) (map[string]string, bool) {
	params := map[string]string{}
	for part := range strings.SplitSeq(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, val, found := strings.Cut(part, "=")
		k, val = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(val)
		if _, dup := params[k]; !found || val == "" || dup {
			return nil, false
		}
		params[k] = val
	}
	return params, len(params) > 0
}

func parseSecretURI(raw string) (KVRef, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return KVRef{}, false
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(segs) < 2 || len(segs) > 3 || !strings.EqualFold(segs[0], "secrets") {
		return KVRef{}, false
	}
	ref := KVRef{VaultURL: "https://" + u.Host, Name: segs[1]}
	if len(segs) == 3 {
		ref.Version = segs[2]
	}
	return ref, validRef(ref)
}

func parseVaultName(p map[string]string) (KVRef, bool) {
	vault, name := p["vaultname"], p["secretname"]
	version, hasVersion := p["secretversion"]
	want := 2
	if hasVersion {
		want = 3
	}
	if len(p) != want || !validVaultName.MatchString(vault) {
		return KVRef{}, false
	}
	ref := KVRef{VaultURL: "https://" + strings.ToLower(vault) + ".vault.azure.net", Name: name, Version: version}
	return ref, validRef(ref)
}

func validRef(r KVRef) bool {
	return validSecretName.MatchString(r.Name) && (r.Version == "" || validVersion.MatchString(r.Version))
}
