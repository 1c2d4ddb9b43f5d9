package phonesync

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestParseBodyAcceptsRunbookCallers(t *testing.T) {
	cases := []struct {
		name, body string
		want       []Entry
	}{
		{"v1 runbook: UPN only", `[{"UserPrincipalName":"ada@contoso.example"}]`,
			[]Entry{{User: "ada@contoso.example"}}},
		{"v2 runbook: Mobile and OverwriteNull as text", `[{"UserPrincipalName":"ada@contoso.example","Mobile":"+1 425 555 1234","OverwriteNull":"1"},{"UserPrincipalName":"bob@contoso.example","OverwriteNull":"0"}]`,
			[]Entry{{User: "ada@contoso.example", Mobile: "+1 425 555 1234", OverwriteNull: true}, {Index: 1, User: "bob@contoso.example"}}},
		{"booleans, nulls, casing", `[{"userPrincipalName":" ada@contoso.example ","mobile":null,"overwritenull":true}]`,
			[]Entry{{User: "ada@contoso.example", OverwriteNull: true}}},
		{"object id", `[{"ObjectId":"10000000-0000-4000-8000-000000000001","OverwriteNull":false}]`,
			[]Entry{{User: "10000000-0000-4000-8000-000000000001"}}},
		{"object id in UserPrincipalName", `[{"UserPrincipalName":"10000000-0000-4000-8000-000000000001","OverwriteNull":1}]`,
			[]Entry{{User: "10000000-0000-4000-8000-000000000001", OverwriteNull: true}}},
		{"one bare object (PowerShell's ConvertTo-Json of a 1-element array)", `{"UserPrincipalName":"ada@contoso.example","OverwriteNull":"TRUE"}`,
			[]Entry{{User: "ada@contoso.example", OverwriteNull: true}}},
		{"BOM and whitespace", "\xef\xbb\xbf \n[ {\"UserPrincipalName\":\"ada@contoso.example\"} ]\n", []Entry{{User: "ada@contoso.example"}}},
		{"empty array", `[]`, []Entry{}},
		{"guest UPN", `[{"UserPrincipalName":"ada_fabrikam.com#EXT#@contoso.onmicrosoft.com"}]`,
			[]Entry{{User: "ada_fabrikam.com#EXT#@contoso.onmicrosoft.com"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, bad := ParseBody([]byte(c.body), 1000)
			if bad != nil {
				t.Fatalf("refused: %v", bad)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestParseBodyNamesTheFirstProblem(t *testing.T) {
	cases := []struct{ body, detail string }{
		{``, "empty body"},
		{`   `, "empty body"},
		{`"ada@contoso.example"`, "must be a JSON array"},
		{`[{"UserPrincipalName":"ada@contoso.example"}`, "ends too early"},
		{`[{"UserPrincipalName":"ada@contoso.example"},]`, "malformed JSON at byte"},
		{`[{"UserPrincipalName":"a@b.example"}] []`, "more than one value"},
		{`[{"UserPrincipalName":"a@b.example"}, "b@b.example"]`, "$[1] must be an object"},
		{`[{"UserPrincipalName":"a@b.example"}, {"Mobil":"+1 425 555 1234","UserPrincipalName":"b@b.example"}]`, `$[1]: unknown field "Mobil"`},
		{`[{"UserPrincipalName":42}]`, "$[0].UserPrincipalName: must be a string"},
		{`[{"UserPrincipalName":"a@b.example","Mobile":14255551234}]`, "$[0].Mobile: must be a string"},
		{`[{"UserPrincipalName":"a@b.example","OverwriteNull":"maybe"}]`, `$[0].OverwriteNull: must be "1", "0", true or false`},
		{`[{"UserPrincipalName":"a@b.example","OverwriteNull":2}]`, `$[0].OverwriteNull`},
		{`[{"UserPrincipalName":"a@b.example","OverwriteNull":{}}]`, `$[0].OverwriteNull`},
		{`[{"Mobile":"+1 425 555 1234"}]`, "$[0]: UserPrincipalName (a user principal name or object id) is required"},
		{`[{"UserPrincipalName":"  "}]`, "$[0]: UserPrincipalName"},
		{`[{"UserPrincipalName":"a@b.example","userprincipalname":"c@b.example"}]`, "$[0]: field UserPrincipalName given twice"},
		{`[{"UserPrincipalName":"a@b.example","ObjectId":"10000000-0000-4000-8000-000000000001"}]`, "not both"},
		{`[{"ObjectId":"ada@contoso.example"}]`, "$[0].ObjectId: must be an object id"},
		{`[{"UserPrincipalName":"ada"}]`, "$[0].UserPrincipalName: must be a user principal name"},
		{`[{"UserPrincipalName":"../../me@b.example"}]`, "cannot have"},
		{`[{"UserPrincipalName":"a/b@b.example"}]`, "cannot have"},
		{`[{"UserPrincipalName":"a@b.example?x=1"}]`, "cannot have"},
		{`[{"UserPrincipalName":"a b@b.example"}]`, "cannot have"},
		{`{"UserPrincipalName":"a@b.example","Mobile":[]}`, "$.Mobile: must be a string"},
	}
	for _, c := range cases {
		_, bad := ParseBody([]byte(c.body), 1000)
		if bad == nil {
			t.Errorf("%s: accepted", c.body)
			continue
		}
		if bad.Status != http.StatusBadRequest || bad.Code != "invalid_body" || !strings.Contains(bad.Detail, c.detail) {
			t.Errorf("%s: %d %s %q, want 400 naming %q", c.body, bad.Status, bad.Code, bad.Detail, c.detail)
		}
	}
}

func TestParseBodyLimit(t *testing.T) {
	body := func(n int) []byte {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(`{"UserPrincipalName":"u%d@contoso.example"}`, i)
		}
		return []byte("[" + strings.Join(parts, ",") + "]")
	}
	if got, bad := ParseBody(body(3), 3); bad != nil || len(got) != 3 || got[2].Index != 2 {
		t.Fatalf("at the limit: %+v %v", got, bad)
	}
	_, bad := ParseBody(body(4), 3)
	if bad == nil || bad.Status != http.StatusRequestEntityTooLarge || bad.Limit != 3 || bad.Code != "batch_too_large" {
		t.Fatalf("over the limit: %+v", bad)
	}
	// The limit is checked before anything after it is read: a malformed
	// tail beyond the limit still answers 413, not 400.
	_, bad = ParseBody(append(body(4)[:len(body(4))-1], []byte(",{oops")...), 3)
	if bad == nil || bad.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("over the limit with a bad tail: %+v", bad)
	}
	huge := []byte(`[{"UserPrincipalName":"a@b.example","Mobile":"` + strings.Repeat(" ", maxBodyBytes) + `"}]`)
	if _, bad := ParseBody(huge, 1000); bad == nil || bad.Status != http.StatusRequestEntityTooLarge || bad.Code != "body_too_large" {
		t.Fatalf("huge body: %+v", bad)
	}
}

func BenchmarkParseBody1000(b *testing.B) {
	parts := make([]string, 1000)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"UserPrincipalName":"user%04d@contoso.example","Mobile":"+1 425 555 %04d","OverwriteNull":"1"}`, i, i)
	}
	body := []byte("[" + strings.Join(parts, ",") + "]")
	for b.Loop() {
		if _, bad := ParseBody(body, 1000); bad != nil {
			b.Fatal(bad)
		}
	}
}
