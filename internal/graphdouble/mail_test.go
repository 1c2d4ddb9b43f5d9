package graphdouble

import (
	"testing"
)

func mailBody(to string) map[string]any {
	// PascalCase parameter names, as msgraph-sdk-go serialises them.
	return map[string]any{
		"Message": map[string]any{
			"subject": "Temporary Access Pass for Nora",
			"body":    map[string]any{"contentType": "text", "content": "Your pass: abc"},
			"toRecipients": []any{map[string]any{"emailAddress": map[string]any{
				"address": to, "name": "Mara Manager"}}},
		},
		"SaveToSentItems": false,
	}
}

func TestSendMail(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.expect(f.do("POST", "/v1.0/users/mara.manager@contoso.example/sendMail", mailBody("mara.manager@contoso.example")), 202)
	if len(r.raw) != 0 {
		t.Errorf("202 with a body: %s", r.raw)
	}
	out := f.d.Outbox()
	if len(out) != 1 || out[0].SenderID != maraID || out[0].To[0].Address != "mara.manager@contoso.example" ||
		out[0].Subject != "Temporary Access Pass for Nora" || out[0].SaveToSentItems || out[0].ContentType != "text" {
		t.Errorf("outbox: %+v", out)
	}
	// camelCase as in the docs is accepted too.
	camel := map[string]any{"message": mailBody("x@contoso.example")["Message"], "saveToSentItems": true}
	f.expect(f.do("POST", "/v1.0/users/"+maraID+"/sendMail", camel), 202)
}

func TestSendMailRefusals(t *testing.T) {
	f := newFixture(t, Options{})
	noMailbox := f.expect(f.do("POST", "/v1.0/users/"+miloID+"/sendMail", mailBody("a@contoso.example")), 404)
	if noMailbox.errorCode() != "MailboxNotEnabledForRESTAPI" {
		t.Errorf("code %q", noMailbox.errorCode())
	}
	f.expect(f.do("POST", "/v1.0/users/ghost@contoso.example/sendMail", mailBody("a@contoso.example")), 404)
	f.expect(f.do("POST", "/v1.0/users/"+maraID+"/sendMail", mailBody("not an address")), 400)
	bad := mailBody("a@contoso.example")
	bad["Message"].(map[string]any)["toRecipient"] = []any{}
	f.expect(f.do("POST", "/v1.0/users/"+maraID+"/sendMail", bad), 400)
	if len(f.d.Outbox()) != 0 {
		t.Error("refused mail was kept")
	}
}

func TestSendMailScopedSenders(t *testing.T) {
	f := newFixture(t, Options{})
	f.d.Update(func(tn *Tenant) { tn.MailSenders = []string{"mara.manager@contoso.example"} })
	f.expect(f.do("POST", "/v1.0/users/"+maraID+"/sendMail", mailBody("a@contoso.example")), 202)
	r := f.expect(f.do("POST", "/v1.0/users/"+samID+"/sendMail", mailBody("a@contoso.example")), 403)
	if r.errorCode() != "ErrorAccessDenied" || len(f.d.Outbox()) != 1 {
		t.Errorf("scoped: %s, outbox %d", r.raw, len(f.d.Outbox()))
	}
}
