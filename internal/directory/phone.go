package directory

import (
	"context"
	"fmt"
	"strings"
)

// Phone types Graph knows. A user has at most one phone method of each.
const (
	PhoneMobile          = "mobile"
	PhoneAlternateMobile = "alternateMobile"
	PhoneOffice          = "office"
)

// Graph gives each phone type a fixed method id (reference §4).
const (
	PhoneIDMobile          = "3179e48a-750b-4051-897c-87b9720928f7"
	PhoneIDAlternateMobile = "b6332ec1-7057-4abe-9331-3d72feddfe41"
	PhoneIDOffice          = "e37fc753-ff3b-4958-9484-eaa9425c82bc"
)

// PhoneMethod is one registered phone authentication method. Number is as
// Graph returned it, which may be masked for callers without the right to
// read full numbers; it never goes into logs unmasked.
type PhoneMethod struct {
	ID     string
	Type   string // PhoneMobile, PhoneAlternateMobile or PhoneOffice
	Number string
}

// PhoneSourceUser is a user and the directory value their MFA phone is
// synchronised from.
type PhoneSourceUser struct {
	User
	// Source is the attribute's value, trimmed; "" when it is unset.
	Source string
}

// Phones is the Graph port of the phone sync: read the source attribute,
// list the phone methods, and change them.
type Phones interface {
	// PhoneSource reads the user and the source attribute (a value of
	// PhoneSourceAttributes). ErrNotFound when there is no such user.
	PhoneSource(ctx context.Context, idOrUPN, attribute string) (PhoneSourceUser, error)
	// PhoneMethods lists the user's phone methods.
	PhoneMethods(ctx context.Context, userID string) ([]PhoneMethod, error)
	// CreatePhone adds a phone of p.Type. Graph refuses a second phone of
	// the same type, so repeating it after a lost answer cannot create two;
	// callers resolve any failure by listing the methods again.
	CreatePhone(ctx context.Context, userID string, p PhoneMethod) (PhoneMethod, error)
	// UpdatePhone changes the number of an existing phone method.
	UpdatePhone(ctx context.Context, userID, methodID, number string) error
	// DeletePhone removes a phone method; ErrNotFound when already gone,
	// ErrDefaultMethod when Graph refuses to remove the default method.
	DeletePhone(ctx context.Context, userID, methodID string) error
}

// Source attributes a phone can be synchronised from.
const (
	SourceMobilePhone    = "mobilePhone"
	SourceBusinessPhone  = "businessPhones[0]"
	extensionAttrPrefix  = "onPremisesExtensionAttributes."
	extensionAttrName    = "extensionAttribute"
	extensionAttrDefault = extensionAttrPrefix + extensionAttrName + "15"
)

// DefaultPhoneSource is where HR feeds commonly put the mobile number.
const DefaultPhoneSource = extensionAttrDefault

// PhoneSourceAttributes lists every supported source in canonical spelling.
func PhoneSourceAttributes() []string {
	out := make([]string, 0, 17)
	for i := 1; i <= 15; i++ {
		out = append(out, fmt.Sprintf("%s%s%d", extensionAttrPrefix, extensionAttrName, i))
	}
	return append(out, SourceMobilePhone, SourceBusinessPhone)
}

// CanonicalPhoneSource accepts a source attribute case-insensitively, also
// the short forms "extensionAttribute15" and "businessPhones", and returns
// its canonical spelling.
func CanonicalPhoneSource(s string) (string, error) {
	s = strings.TrimSpace(s)
	for _, want := range PhoneSourceAttributes() {
		short := strings.TrimPrefix(strings.TrimSuffix(want, "[0]"), extensionAttrPrefix)
		if strings.EqualFold(s, want) || strings.EqualFold(s, short) {
			return want, nil
		}
	}
	return "", fmt.Errorf("%q is not a supported source: use onPremisesExtensionAttributes.extensionAttribute1..15, %s or %s",
		s, SourceMobilePhone, SourceBusinessPhone)
}

// ExtensionAttributeNumber returns n for a canonical
// onPremisesExtensionAttributes.extensionAttribute<n> source, else 0.
func ExtensionAttributeNumber(source string) int {
	rest, ok := strings.CutPrefix(source, extensionAttrPrefix+extensionAttrName)
	if !ok {
		return 0
	}
	var n int
	if _, err := fmt.Sscanf(rest, "%d", &n); err != nil || n < 1 || n > 15 || fmt.Sprint(n) != rest {
		return 0
	}
	return n
}
