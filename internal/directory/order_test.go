package directory

import (
	"errors"
	"fmt"
	"testing"
)

// The reset re-plans on either ordering refusal, wrapped as Graph errors
// and with context; nothing else counts.
func TestRefusedForOrder(t *testing.T) {
	for err, want := range map[error]bool{
		&Error{Op: "delete phone method", Status: 400, Kind: ErrDeleteOrder}:                         true,
		fmt.Errorf("remove: %w", &Error{Op: "delete x method", Status: 400, Kind: ErrDefaultMethod}): true,
		&Error{Op: "delete phone method", Status: 400}:                                               false,
		&Error{Op: "delete phone method", Status: 404, Kind: ErrNotFound}:                            false,
		errors.New("the mobile cannot be deleted while an alternateMobile exists"):                   false,
	} {
		if got := RefusedForOrder(err); got != want {
			t.Errorf("RefusedForOrder(%v) = %v, want %v", err, got, want)
		}
	}
}
