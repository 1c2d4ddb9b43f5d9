package callerauth

import (
	"errors"
	"fmt"
	"testing"
)

func TestAnswer(t *testing.T) {
	for err, want := range map[error]struct {
		status int
		code   string
	}{
		reject(ErrMissing, "x"):                    {401, "missing_token"},
		reject(ErrInvalid, "token expired"):        {401, "invalid_token"},
		reject(ErrForbidden, "x"):                  {403, "caller_not_allowed"},
		fmt.Errorf("wrapped: %w", ErrUnavailable):  {503, "verification_unavailable"},
		errors.New("anything else is a bad token"): {401, "invalid_token"},
	} {
		if s, c := Answer(err); s != want.status || c != want.code {
			t.Errorf("%v: %d %s, want %d %s", err, s, c, want.status, want.code)
		}
	}
}
