package graph_test

import (
	"context"
	"errors"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

func TestListAndDeleteEveryMethodDefaultLast(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	ctx := context.Background()
	methods, err := r.client.ListMethods(ctx, graphtest.Sam)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[directory.MethodType]int{}
	var phoneTypes []string
	for _, m := range methods {
		seen[m.Type]++
		if m.Type == directory.MethodPhone {
			phoneTypes = append(phoneTypes, m.PhoneType)
		}
	}
	want := map[directory.MethodType]int{
		directory.MethodPhone: 2, directory.MethodAuthenticator: 1, directory.MethodSoftwareOath: 1,
		directory.MethodFido2: 1, directory.MethodWindowsHello: 1, directory.MethodPassword: 1,
	}
	for k, n := range want {
		if seen[k] != n {
			t.Errorf("%s: %d, want %d (all: %+v)", k, seen[k], n, methods)
		}
	}
	if len(phoneTypes) != 2 || phoneTypes[0] == "" {
		t.Errorf("phone types %v", phoneTypes)
	}
	// Sam's default is the Authenticator: Graph refuses it while others remain.
	var def directory.Method
	for _, m := range methods {
		if m.Type == directory.MethodAuthenticator {
			def = m
		}
	}
	if err := r.client.DeleteMethod(ctx, graphtest.Sam, def); !errors.Is(err, directory.ErrDefaultMethod) {
		t.Fatalf("default first: %v", err)
	}
	for _, m := range methods {
		if m.Type == directory.MethodPassword || m.ID == def.ID {
			continue
		}
		if err := r.client.DeleteMethod(ctx, graphtest.Sam, m); err != nil {
			t.Fatalf("delete %s: %v", m.Type, err)
		}
	}
	if err := r.client.DeleteMethod(ctx, graphtest.Sam, def); err != nil {
		t.Fatalf("default last: %v", err)
	}
	left, err := r.client.ListMethods(ctx, graphtest.Sam)
	if err != nil || len(left) != 1 || left[0].Type != directory.MethodPassword {
		t.Fatalf("left %+v %v", left, err)
	}
	if err := r.client.DeleteMethod(ctx, graphtest.Sam, left[0]); !errors.Is(err, directory.ErrUnsupportedMethod) {
		t.Errorf("password delete: %v", err)
	}
	if err := r.client.DeleteMethod(ctx, graphtest.Sam, def); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestRevokeAddMemberResume(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	ctx := context.Background()
	if err := r.client.RevokeSessions(ctx, graphtest.Nora); err != nil {
		t.Fatal(err)
	}
	if n := r.double.RevokedSessions(graphtest.Nora); n != 1 {
		t.Errorf("revoked %d", n)
	}
	const caGroup = "20000000-0000-4000-8000-000000000003"
	for range 2 { // the second add finds the member there: still success
		if err := r.client.AddGroupMember(ctx, caGroup, graphtest.Sam); err != nil {
			t.Fatal(err)
		}
	}
	members := r.double.GroupMembers(caGroup)
	count := 0
	for _, m := range members {
		if m == graphtest.Sam {
			count++
		}
	}
	if count != 1 {
		t.Errorf("members %v", members)
	}
	const request = "50000000-0000-4000-8000-000000000001"
	err := r.client.Resume(ctx, request, directory.Resume{
		Source: "MfaRecovery", Type: "microsoft.graph.accessPackageCustomExtensionStage.assignmentRequestApproved",
		Stage: "assignmentRequestApproved", StageInstanceID: "60000000-0000-4000-8000-000000000001",
		Detail: "MFA reset done", State: "",
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := r.double.ResumeCalls()
	if len(calls) != 1 {
		t.Fatalf("resume calls %+v", calls)
	}
}
