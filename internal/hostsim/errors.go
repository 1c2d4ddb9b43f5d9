package hostsim

import "fmt"

// InvocationError is an invocation the host counts as failed.
type InvocationError struct {
	Function string
	// Status is the handler's HTTP status (0 when it did not answer).
	Status int
	// Reason says why the host fails it.
	Reason string
	// Violation is true when the handler broke the protocol (a 2xx the
	// host cannot use: wrong Content-Type, empty body, bad outputs), as
	// opposed to reporting a failure with a non-2xx status on purpose.
	Violation bool
	// Body is the start of the handler's answer, for diagnosis.
	Body string
}

func (e *InvocationError) Error() string {
	kind := "failed"
	if e.Violation {
		kind = "broke the protocol"
	}
	return fmt.Sprintf("hostsim: %s invocation %s (status %d): %s", e.Function, kind, e.Status, e.Reason)
}
