package host

import "context"

// headerInvocationID is added by the host to every request it sends.
const headerInvocationID = "X-Azure-Functions-InvocationId"

type invocationKey struct{}

func withInvocationID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, invocationKey{}, id)
}

// InvocationID returns the host's invocation id for this request, "" when
// the request did not come from a host. Audit events carry it so a log line
// can be matched with the host's own telemetry.
func InvocationID(ctx context.Context) string {
	id, _ := ctx.Value(invocationKey{}).(string)
	return id
}
