package graph

import (
	"context"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// SendMail implements directory.Directory. Sent items are not saved: a
// mail that carries a pass should not sit in the sender mailbox.
func (c *Client) SendMail(ctx context.Context, sender string, m directory.Mail) error {
	body := users.NewItemSendMailPostRequestBody()
	body.SetMessage(message(m))
	save := false
	body.SetSaveToSentItems(&save)
	return c.do(ctx, "send mail", once, func(ctx context.Context) error {
		return c.sdk.Users().ByUserId(sender).SendMail().Post(ctx, body, nil)
	})
}

func message(m directory.Mail) models.Messageable {
	msg := models.NewMessage()
	subject := m.Subject
	msg.SetSubject(&subject)
	item := models.NewItemBody()
	kind := models.TEXT_BODYTYPE
	if m.HTML {
		kind = models.HTML_BODYTYPE
	}
	item.SetContentType(&kind)
	content := m.Body
	item.SetContent(&content)
	msg.SetBody(item)
	var to []models.Recipientable
	for _, addr := range m.To {
		r := models.NewRecipient()
		e := models.NewEmailAddress()
		a := addr
		e.SetAddress(&a)
		r.SetEmailAddress(e)
		to = append(to, r)
	}
	msg.SetToRecipients(to)
	importance := models.HIGH_IMPORTANCE
	msg.SetImportance(&importance)
	return msg
}
