// Package notify composes the messages people receive. A pass goes only
// to named people's mailboxes through Graph sendMail; nothing here writes a
// pass anywhere else.
package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// TAPDelivery is what a pass mail says.
type TAPDelivery struct {
	Subject directory.User // whose pass it is
	To      []string       // recipients' mail addresses
	TAP     directory.TAP
	Reason  string // e.g. "new account", "approved MFA reset"
}

// TAPMail renders the mail that carries a pass to its recipient. This is
// the one place a pass is revealed, and only into the message body.
func TAPMail(d TAPDelivery) directory.Mail {
	var b strings.Builder
	b.WriteString("Hello,\n\n")
	fmt.Fprintf(&b, "A Temporary Access Pass was issued for %s (%s), reason: %s.\n\n", d.Subject.DisplayName, d.Subject.UPN, d.Reason)
	fmt.Fprintf(&b, "    Temporary Access Pass: %s\n\n", d.TAP.Pass.Reveal())
	fmt.Fprintf(&b, "Valid until %s UTC", d.TAP.Expires().UTC().Format(time.DateTime))
	if d.TAP.UsableOnce {
		b.WriteString(", and it works for one sign-in only")
	}
	b.WriteString(".\n\n")
	fmt.Fprintf(&b, "Give it to %s yourself, in person or by a call you place to a number you already know. ", d.Subject.DisplayName)
	b.WriteString("With it they sign in once and register a passkey or Microsoft Authenticator.\n")
	b.WriteString("Do not forward this mail or paste the pass into a chat or ticket. ")
	b.WriteString("If you did not expect this mail, contact your security team.\n")
	return directory.Mail{
		Subject: "Temporary Access Pass for " + d.Subject.DisplayName,
		Body:    b.String(),
		To:      d.To,
	}
}

// UserNotice tells the affected user their methods were reset, without
// the pass: if they did not ask for it, this is how they find out.
func UserNotice(user directory.User, removed []string, at time.Time) directory.Mail {
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n", user.DisplayName)
	fmt.Fprintf(&b, "The sign-in methods of your account %s were reset at %s UTC after an approved request", user.UPN, at.UTC().Format(time.DateTime))
	if len(removed) > 0 {
		fmt.Fprintf(&b, " (removed: %s)", strings.Join(removed, ", "))
	}
	b.WriteString(". A one-time pass to register a passkey was sent to the people who approved it; they will hand it to you.\n\n")
	b.WriteString("If you did not ask for this, call your security team now.\n")
	return directory.Mail{Subject: "Your sign-in methods were reset", Body: b.String(), To: []string{user.Mail}}
}
