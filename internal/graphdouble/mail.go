package graphdouble

import (
	"net/http"
	"net/mail"
	"strings"
)

// sendMail accepts a message from a user's mailbox (202, empty body) and
// keeps it in the outbox. A user without mail has no mailbox.
func sendMail(c *call) {
	key := c.p["user"]
	u := c.t.userByKey(key)
	if u == nil {
		c.fail(http.StatusNotFound, "ErrorInvalidUser", "The requested user '"+key+"' is invalid.")
		return
	}
	if u.Mail == "" {
		c.fail(http.StatusNotFound, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
		return
	}
	if len(c.t.MailSenders) > 0 && !containsID(c.t.MailSenders, u.ID) && !containsID(c.t.MailSenders, u.UserPrincipalName) {
		c.fail(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
		return
	}
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return
	}
	msg, _ := param(body, "message").(map[string]any)
	if msg == nil {
		c.badRequest("The parameter 'Message' in the request payload is required.")
		return
	}
	sent, problem := parseMessage(msg)
	if problem != "" {
		c.fail(http.StatusBadRequest, "ErrorInvalidRecipients", problem)
		return
	}
	sent.Time, sent.SenderID, sent.From = c.d.now(), u.ID, u.Mail
	sent.SaveToSentItems = true // Graph's default
	if v, ok := param(body, "saveToSentItems").(bool); ok {
		sent.SaveToSentItems = v
	}
	c.t.Outbox = append(c.t.Outbox, sent)
	c.w.WriteHeader(http.StatusAccepted)
}

// param reads an action parameter case-insensitively (the SDK sends
// "Message", the docs "message").
func param(body map[string]any, name string) any {
	for k, v := range body {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

func parseMessage(msg map[string]any) (SentMail, string) {
	var s SentMail
	s.Subject, _ = msg["subject"].(string)
	if b, ok := msg["body"].(map[string]any); ok {
		s.ContentType, _ = b["contentType"].(string)
		s.Body, _ = b["content"].(string)
	}
	if s.ContentType == "" {
		s.ContentType = "text"
	}
	var problem string
	s.To, problem = recipients(msg["toRecipients"], problem)
	s.Cc, problem = recipients(msg["ccRecipients"], problem)
	s.Bcc, problem = recipients(msg["bccRecipients"], problem)
	if problem == "" && len(s.To)+len(s.Cc)+len(s.Bcc) == 0 {
		problem = "At least one recipient is not valid., Recipient is missing."
	}
	return s, problem
}

func recipients(v any, problem string) ([]Recipient, string) {
	list, _ := v.([]any)
	var out []Recipient
	for _, item := range list {
		r, _ := item.(map[string]any)
		ea, _ := r["emailAddress"].(map[string]any)
		addr, _ := ea["address"].(string)
		name, _ := ea["name"].(string)
		if _, err := mail.ParseAddress(addr); err != nil && problem == "" {
			problem = "At least one recipient is not valid., Recipient '" + addr + "' is not resolved. All recipients must be resolved before a message can be submitted."
		}
		out = append(out, Recipient{Address: addr, Name: name})
	}
	return out, problem
}
