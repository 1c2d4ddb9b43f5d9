package main

import (
	"context"
	"net/http"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/callerauth"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/mfareset"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/newhire"
)

// functions is the route table. It must agree with functions/*/function.json
// (routes_test.go checks it).
func (a *app) functions() []host.Function {
	return []host.Function{{
		Name:    "NewHireTap",
		Trigger: "req",
		Route:   "new-hire/tap",
		Methods: []string{"post"},
		HTTPOut: "res",
		HTTP:    a.requireCaller(a.newHireAuth, newhire.Action, a.newHire.HTTP),
	}, {
		Name:    "AccessPackageCallout",
		Trigger: "req",
		Route:   "callouts/access-package",
		Methods: []string{"post"},
		HTTPOut: "res",
		HTTP:    a.requireCaller(a.intakeAuth, mfareset.IntakeAction, a.intake.HTTP),
	}, {
		Name:    "MfaReset",
		Trigger: "job",
		Queue:   a.reset.Queue,
	}, {
		// PhoneSync authenticates its callers itself: an Entra token or,
		// for existing runbook callers, the handshake header.
		Name:    "PhoneSync",
		Trigger: "req",
		Route:   "webhooks/phone-sync",
		Methods: []string{"post"},
		HTTPOut: "res",
		HTTP:    a.phoneSync.HTTP,
	}, {
		Name:    "CaGroupExpiry",
		Trigger: "timer",
		Timer:   a.expiry.Run,
	}, {
		Name:    "Fido2Jobs",
		Trigger: "req",
		Route:   fido2.Route,
		Methods: []string{"get", "post"},
		HTTPOut: "res",
		HTTP:    a.fido2Jobs(),
	}, {
		Name:    "Fido2Job",
		Trigger: "job",
		Queue:   a.fido2.JobQueue,
	}, {
		Name:    "Fido2Register",
		Trigger: "result",
		Queue:   a.fido2.ResultQueue,
	}}
}

// requireCaller verifies the caller's Entra access token before next runs.
// The function key the host checks (authLevel: function) only says the
// caller knows a shared key; the token says which application it is.
func (a *app) requireCaller(v *callerauth.Verifier, action string, next host.HTTPFunc) host.HTTPFunc {
	return func(ctx context.Context, req *host.HTTPRequest) *host.HTTPResponse {
		caller, err := v.Verify(ctx, req.Headers.Get("Authorization"))
		if err == nil {
			return next(callerauth.WithCaller(ctx, caller), req)
		}
		resp := authFailure(err)
		a.audit.Record(ctx, audit.Event{
			Action: action, Outcome: audit.Refused, Reason: err.Error(),
			Correlation: req.Headers.Get("X-Azure-Functions-InvocationId"),
		})
		return resp
	}
}

func authFailure(err error) *host.HTTPResponse {
	status, code := callerauth.Answer(err)
	resp := host.Error(status, code, err.Error())
	if status == http.StatusUnauthorized {
		resp.Headers["WWW-Authenticate"] = `Bearer error="invalid_token"`
	}
	return resp
}
