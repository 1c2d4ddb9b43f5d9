package secrets_test

import (
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/secrets"
)

func TestParseKeyVaultReference(t *testing.T) {
	cases := []struct {
		in   string
		want secrets.KVRef
	}{
		{"@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/name/)",
			secrets.KVRef{VaultURL: "https://v.vault.azure.net", Name: "name"}},
		{"@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/name)",
			secrets.KVRef{VaultURL: "https://v.vault.azure.net", Name: "name"}},
		{"@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/name/ec96f02080254f109c51a1f14cdb1931)",
			secrets.KVRef{VaultURL: "https://v.vault.azure.net", Name: "name", Version: "ec96f02080254f109c51a1f14cdb1931"}},
		{"@Microsoft.KeyVault(VaultName=myvault;SecretName=n)",
			secrets.KVRef{VaultURL: "https://myvault.vault.azure.net", Name: "n"}},
		{"@Microsoft.KeyVault(VaultName=myvault;SecretName=n;SecretVersion=x1)",
			secrets.KVRef{VaultURL: "https://myvault.vault.azure.net", Name: "n", Version: "x1"}},
		{"  @microsoft.keyvault( secretname = n ; vaultname = MyVault ; )  ",
			secrets.KVRef{VaultURL: "https://myvault.vault.azure.net", Name: "n"}},
		{"@Microsoft.KeyVault(SecretUri=https://v.vault.usgovcloudapi.net/secrets/n/)",
			secrets.KVRef{VaultURL: "https://v.vault.usgovcloudapi.net", Name: "n"}},
	}
	for _, tc := range cases {
		got, ok := secrets.ParseKeyVaultReference(tc.in)
		if !ok || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tc.in, got, ok, tc.want)
		}
		if !secrets.IsKeyVaultReference(tc.in) {
			t.Errorf("IsKeyVaultReference(%q) = false", tc.in)
		}
	}
}

func TestParseKeyVaultReferenceRejects(t *testing.T) {
	for _, in := range []string{
		"", "plain-secret-value", "https://v.vault.azure.net/secrets/n/",
		"@Microsoft.KeyVault(", "@Microsoft.KeyVault()",
		"@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/n/",
		"@Microsoft.KeyVault(SecretUri=http://v.vault.azure.net/secrets/n/)",
		"@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/keys/n/)",
		"@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/)",
		"@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/n/v/extra)",
		"@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/bad_name/)",
		"@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/n/?x=1)",
		"@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/n/;VaultName=v)",
		"@Microsoft.KeyVault(VaultName=v1;SecretName=n)", // vault names are 3–24 chars
		"@Microsoft.KeyVault(VaultName=myvault)",
		"@Microsoft.KeyVault(SecretName=n)",
		"@Microsoft.KeyVault(VaultName=myvault;SecretName=n;Color=blue)",
		"@Microsoft.KeyVault(VaultName=myvault;SecretName=n;SecretName=m)",
		"@Microsoft.KeyVault(VaultName=my.vault;SecretName=n)",
	} {
		if ref, ok := secrets.ParseKeyVaultReference(in); ok {
			t.Errorf("Parse(%q) accepted: %+v", in, ref)
		}
	}
}

func TestIsKeyVaultReferenceFlagsMalformedReferences(t *testing.T) {
	if !secrets.IsKeyVaultReference("@Microsoft.KeyVault(garbage") {
		t.Error("malformed reference not recognised as one")
	}
	if secrets.IsKeyVaultReference("Microsoft.KeyVault(x)") || secrets.IsKeyVaultReference("@Micro") {
		t.Error("non-reference recognised")
	}
}

func TestKVRefStringHasNoValue(t *testing.T) {
	r := secrets.KVRef{VaultURL: "https://v.vault.azure.net", Name: "n", Version: "1"}
	if r.String() != "https://v.vault.azure.net/secrets/n/1" {
		t.Fatal(r.String())
	}
}
