package desk

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/pin"
)

// PINSecret is a PIN the desk set and what it belongs to.
type PINSecret struct {
	JobID       string
	Index       int
	UserID      string
	AAGUID      string
	Serial      string
	Workstation string
	PIN         *pin.PIN
}

// PINStore keeps PINs the desk sets. Put returns a reference to the
// stored PIN (never the PIN) for the report.
type PINStore interface {
	Put(ctx context.Context, s PINSecret) (string, error)
}

// VaultStore keeps PINs as Key Vault secrets (azsecrets): named by job and
// item, never by person; tagged with the user's object id and the key;
// expiring after Expiry (the user must have changed the PIN by then, and
// a forgotten secret does not linger).
type VaultStore struct {
	Client *azsecrets.Client
	Expiry time.Duration
	Now    func() time.Time
}

// SecretName is the Key Vault name of an item's PIN: letters, digits and
// dashes, no personal data.
func SecretName(jobID string, index int) string {
	return "keywriter-pin-" + jobID + "-" + strconv.Itoa(index)
}

// Put stores the PIN as a new version of the item's secret.
func (v VaultStore) Put(ctx context.Context, s PINSecret) (string, error) {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	expires := now().Add(v.Expiry).UTC()
	tags := map[string]*string{
		"purpose": ptr("fido2-key-pin"), "userId": ptr(s.UserID), "jobId": ptr(s.JobID),
		"item": ptr(strconv.Itoa(s.Index)), "aaguid": ptr(s.AAGUID),
	}
	if s.Serial != "" {
		tags["serial"] = ptr(s.Serial)
	}
	if s.Workstation != "" {
		tags["workstation"] = ptr(s.Workstation)
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	value := s.PIN.Reveal() // the one place a PIN leaves for storage
	name := SecretName(s.JobID, s.Index)
	_, err := v.Client.SetSecret(ctx, name, azsecrets.SetSecretParameters{
		Value: &value, ContentType: ptr("text/plain; fido2 key PIN"), Tags: tags,
		SecretAttributes: &azsecrets.SecretAttributes{Enabled: ptr(true), Expires: &expires},
	}, nil)
	if err != nil {
		// azsecrets' errors carry the request URL and Key Vault's answer,
		// never the request body.
		return "", fmt.Errorf("store the PIN as Key Vault secret %s: %w", name, err)
	}
	return name, nil
}

func ptr[T any](v T) *T { return &v }
