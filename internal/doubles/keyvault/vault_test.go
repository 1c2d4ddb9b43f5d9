package keyvault_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/keyvault"
)

func setup(t *testing.T, opts keyvault.Options) (*keyvault.Vault, *azsecrets.Client) {
	t.Helper()
	v := keyvault.Start(opts)
	t.Cleanup(v.Close)
	c, err := v.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	return v, c
}

func wantResponseError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != status || re.ErrorCode != code {
		t.Fatalf("err = %v, want %d %s", err, status, code)
	}
}

func TestGetSecretThroughChallenge(t *testing.T) {
	v, c := setup(t, keyvault.Options{})
	ver := v.SetSecret("hr-webhook-key", "s3cret")
	ctx := context.Background()
	for range 2 {
		resp, err := c.GetSecret(ctx, "hr-webhook-key", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if *resp.Value != "s3cret" || resp.ID.Name() != "hr-webhook-key" || resp.ID.Version() != ver {
			t.Fatalf("secret = %q %s/%s", *resp.Value, resp.ID.Name(), resp.ID.Version())
		}
		if !*resp.Attributes.Enabled || resp.Attributes.Created == nil || time.Since(*resp.Attributes.Created) > time.Minute {
			t.Fatalf("attributes = %+v", resp.Attributes)
		}
	}
	// The client learns the challenge once, then sends its token directly.
	if v.Challenges() != 1 || v.Requests() != 2 {
		t.Fatalf("challenges = %d, requests = %d", v.Challenges(), v.Requests())
	}
}

func TestVersionsAndRotation(t *testing.T) {
	v, c := setup(t, keyvault.Options{})
	ctx := context.Background()
	v1 := v.SetSecret("k", "one")
	v2 := v.SetSecret("k", "two")
	latest, err := c.GetSecret(ctx, "k", "", nil)
	if err != nil || *latest.Value != "two" || latest.ID.Version() != v2 {
		t.Fatalf("latest = %v, %v", latest.Value, err)
	}
	old, err := c.GetSecret(ctx, "k", v1, nil)
	if err != nil || *old.Value != "one" {
		t.Fatalf("old version = %v, %v", old.Value, err)
	}
	_, err = c.GetSecret(ctx, "k", "0123456789abcdef0123456789abcdef", nil)
	wantResponseError(t, err, http.StatusNotFound, "SecretNotFound")
}

func TestSecretNotFound(t *testing.T) {
	_, c := setup(t, keyvault.Options{})
	_, err := c.GetSecret(context.Background(), "missing", "", nil)
	wantResponseError(t, err, http.StatusNotFound, "SecretNotFound")
}

func TestSetSecretOverHTTP(t *testing.T) {
	v, c := setup(t, keyvault.Options{})
	ctx := context.Background()
	set, err := c.SetSecret(ctx, "pin", azsecrets.SetSecretParameters{
		Value: to.Ptr("123456"), ContentType: to.Ptr("text/plain"),
		Tags: map[string]*string{"serial": to.Ptr("42")},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetSecret(ctx, "pin", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if *got.Value != "123456" || *got.ContentType != "text/plain" || *got.Tags["serial"] != "42" ||
		got.ID.Version() != set.ID.Version() {
		t.Fatalf("got %+v", got.Secret)
	}
	// The first PUT went out without its body to elicit the challenge; the
	// retry carried it.
	if v.Challenges() != 1 {
		t.Fatalf("challenges = %d", v.Challenges())
	}
}

func TestDisabledSecretIsForbidden(t *testing.T) {
	v, c := setup(t, keyvault.Options{})
	v.SetSecret("k", "x")
	if !v.SetEnabled("k", false) || v.SetEnabled("absent", false) {
		t.Fatal("SetEnabled result wrong")
	}
	_, err := c.GetSecret(context.Background(), "k", "", nil)
	wantResponseError(t, err, http.StatusForbidden, "Forbidden")
}

func TestDeletedSecretIsNotFound(t *testing.T) {
	v, c := setup(t, keyvault.Options{})
	v.SetSecret("k", "x")
	v.DeleteSecret("k")
	_, err := c.GetSecret(context.Background(), "k", "", nil)
	wantResponseError(t, err, http.StatusNotFound, "SecretNotFound")
}

func TestInvalidNameIsBadParameter(t *testing.T) {
	_, c := setup(t, keyvault.Options{})
	_, err := c.GetSecret(context.Background(), "bad_name", "", nil)
	wantResponseError(t, err, http.StatusBadRequest, "BadParameter")
}

func TestInjectedFaultsAreRetriedByTheSDK(t *testing.T) {
	v := keyvault.Start(keyvault.Options{})
	defer v.Close()
	opts := v.ClientOptions()
	opts.Retry = policy.RetryOptions{MaxRetries: 3, RetryDelay: time.Millisecond, MaxRetryDelay: time.Millisecond}
	c, err := azsecrets.NewClient(v.URL(), &fake.TokenCredential{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	v.SetSecret("k", "x")
	v.FailNext(2, http.StatusServiceUnavailable, 0)
	if _, err := c.GetSecret(context.Background(), "k", "", nil); err != nil {
		t.Fatal(err)
	}
	if v.Requests() != 3 {
		t.Fatalf("requests = %d, want 3", v.Requests())
	}
	v.FailNext(4, http.StatusTooManyRequests, 0)
	_, err = c.GetSecret(context.Background(), "k", "", nil)
	wantResponseError(t, err, http.StatusTooManyRequests, "Throttled")
}

func TestAuthorizeRefusesBadTokens(t *testing.T) {
	v, c := setup(t, keyvault.Options{Authorize: func(tok string) error {
		if tok != "fake_token" {
			return errors.New("unexpected token")
		}
		return nil
	}})
	v.SetSecret("k", "x")
	if _, err := c.GetSecret(context.Background(), "k", "", nil); err != nil {
		t.Fatal(err)
	}
	_, strict := setup(t, keyvault.Options{Authorize: func(string) error { return errors.New("no") }})
	_, err := strict.GetSecret(context.Background(), "k", "", nil)
	wantResponseError(t, err, http.StatusUnauthorized, "Unauthorized")
}

func TestSetSecretRequiresValue(t *testing.T) {
	_, c := setup(t, keyvault.Options{})
	_, err := c.SetSecret(context.Background(), "k", azsecrets.SetSecretParameters{ContentType: to.Ptr("x")}, nil)
	wantResponseError(t, err, http.StatusBadRequest, "BadParameter")
}

func TestLatencyIsApplied(t *testing.T) {
	v, c := setup(t, keyvault.Options{Latency: 30 * time.Millisecond})
	v.SetSecret("k", "x")
	start := time.Now()
	if _, err := c.GetSecret(context.Background(), "k", "", nil); err != nil {
		t.Fatal(err)
	}
	// Two round trips: the challenge and the authorised request.
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Fatalf("took %v, want at least 60ms", d)
	}
}
