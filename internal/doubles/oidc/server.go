package oidc

import (
	"net/http"
	"net/http/httptest"
)

// Server is an Issuer listening on 127.0.0.1 on a free port.
type Server struct {
	*Issuer
	// URL is the base URL, e.g. http://127.0.0.1:41234.
	URL string
	ts  *httptest.Server
}

// Start serves a new Issuer over plain HTTP on 127.0.0.1:0, the way App
// Service exposes its managed-identity endpoint (http on loopback).
func Start(opts Options) (*Server, error) {
	return start(opts, false)
}

// StartTLS is Start over HTTPS with a self-signed certificate; use
// Server.Client() to trust it.
func StartTLS(opts Options) (*Server, error) {
	return start(opts, true)
}

func start(opts Options, tls bool) (*Server, error) {
	iss, err := NewIssuer(opts)
	if err != nil {
		return nil, err
	}
	ts := httptest.NewUnstartedServer(iss)
	if tls {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	return &Server{Issuer: iss, URL: ts.URL, ts: ts}, nil
}

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// Client returns an HTTP client that trusts the server (TLS or not).
func (s *Server) Client() *http.Client { return s.ts.Client() }

// JWKSURL is the v2 keys endpoint, as Entra publishes it.
func (s *Server) JWKSURL() string { return s.URL + "/" + s.TenantID() + "/discovery/v2.0/keys" }

// IdentityEndpoint is the value for IDENTITY_ENDPOINT.
func (s *Server) IdentityEndpoint() string { return s.URL + IdentityPath }

// IdentityEnv returns the environment azidentity reads on App Service
// (IDENTITY_ENDPOINT, IDENTITY_HEADER), for t.Setenv or a child process.
func (s *Server) IdentityEnv() map[string]string {
	return map[string]string{
		"IDENTITY_ENDPOINT": s.IdentityEndpoint(),
		"IDENTITY_HEADER":   s.IdentityHeader(),
	}
}
