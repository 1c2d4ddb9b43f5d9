package queue

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

type fakeCred struct{}

func (fakeCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "t"}, nil
}

func TestEncodeDecode(t *testing.T) {
	tests := []struct {
		name string
		in   any
		json string
	}{
		{"struct", struct {
			JobID string `json:"jobId"`
		}{"42"}, `{"jobId":"42"}`},
		{"map", map[string]int{"n": 1}, `{"n":1}`},
		{"raw message kept as is", json.RawMessage(`{"a": [1, 2]}`), `{"a": [1, 2]}`},
		{"bytes kept as is", []byte(`{"b":true}`), `{"b":true}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text, err := Encode(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(text)
			if err != nil || string(got) != tc.json {
				t.Fatalf("round trip %q: %s %v", text, got, err)
			}
		})
	}
	if text, _ := Encode(map[string]string{"job": "fido2"}); text != "eyJqb2IiOiJmaWRvMiJ9" {
		t.Errorf("not standard base64: %s", text)
	}
}

func TestEncodeDecodeErrors(t *testing.T) {
	if _, err := Encode([]byte("not json")); err == nil {
		t.Error("invalid JSON bytes must fail")
	}
	if _, err := Encode(make(chan int)); err == nil {
		t.Error("unmarshalable value must fail")
	}
	if _, err := Decode(`{"plain":"json"}`); err == nil {
		t.Error("plain JSON is not base64")
	}
}
