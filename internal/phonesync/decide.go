package phonesync

import "github.com/passkeyfirst/entra-mfa-recovery/internal/directory"

// Outcomes reported per user.
const (
	Created   = "created"
	Updated   = "updated"
	Deleted   = "deleted"
	Unchanged = "unchanged"
	Skipped   = "skipped"
	Failed    = "error"
)

// Write is the change a plan makes to the mobile phone.
type Write int

const (
	NoWrite Write = iota
	CreateMobile
	UpdateMobile
	DeleteMobile
)

// Facts are what one user's decision rests on.
type Facts struct {
	// Source is the wanted number as written (the Mobile override, or the
	// directory attribute), trimmed; "" when empty.
	Source string
	// Region reads Source when it has no country code.
	Region string
	// OverwriteNull allows deleting the mobile phone when Source is empty.
	OverwriteNull bool
	// Phones are the user's registered phone methods.
	Phones []directory.PhoneMethod
	// DeleteAlternate allows deleting the alternate mobile when that is
	// the only way to delete the mobile (PHONE_SYNC_DELETE_ALTERNATE_MOBILE).
	DeleteAlternate bool
}

// Plan is the decision: the write (if any), the outcome it leads to, why,
// and the numbers involved.
type Plan struct {
	Write   Write
	Outcome string
	Reason  string
	Want    Number                 // for CreateMobile and UpdateMobile
	Mobile  *directory.PhoneMethod // the registered mobile, if any
	// AlsoDelete lists phone methods to delete before the mobile.
	AlsoDelete []directory.PhoneMethod
}

// Writes reports whether the plan changes the directory.
func (p Plan) Writes() bool { return p.Write != NoWrite }

// Decide is the decision table. It is pure: no I/O, same facts, same plan.
//
//	source   registered mobile         OverwriteNull  -> outcome
//	empty    none                      any            -> unchanged
//	empty    present                   no             -> skipped (kept)
//	empty    present, alternate too    yes            -> error, or delete both if allowed
//	empty    present                   yes            -> deleted
//	invalid  any                       any            -> error (nothing written)
//	valid    none                      any            -> created
//	valid    same number               any            -> unchanged
//	valid    masked, visible agrees    any            -> skipped (cannot compare)
//	valid    other number              any            -> updated
func Decide(f Facts) Plan {
	mobile := phoneOfType(f.Phones, directory.PhoneMobile)
	if f.Source == "" {
		return decideEmpty(f, mobile)
	}
	want, err := Normalise(f.Source, f.Region)
	if err != nil {
		return Plan{Outcome: Failed, Reason: "the source is not a usable phone number: " + err.Error(), Mobile: mobile}
	}
	p := Plan{Want: want, Mobile: mobile}
	if mobile == nil {
		p.Write, p.Outcome = CreateMobile, Created
		return p
	}
	switch Compare(mobile.Number, want) {
	case Same:
		p.Outcome, p.Reason = Unchanged, "the mobile phone already has this number"
	case MaskedConsistent:
		p.Outcome, p.Reason = Skipped, "Microsoft Graph returned the mobile number masked; its country code and visible digits match, "+
			"so it was left as is (grant the app a permission that reads full numbers to compare them)"
	default:
		p.Write, p.Outcome = UpdateMobile, Updated
	}
	return p
}

func decideEmpty(f Facts, mobile *directory.PhoneMethod) Plan {
	p := Plan{Mobile: mobile}
	alternate := phoneOfType(f.Phones, directory.PhoneAlternateMobile)
	switch {
	case mobile == nil:
		p.Outcome, p.Reason = Unchanged, "the source is empty and there is no mobile phone"
	case !f.OverwriteNull:
		p.Outcome, p.Reason = Skipped, "the source is empty; the mobile phone was kept (send OverwriteNull to delete it)"
	case alternate != nil && !f.DeleteAlternate:
		p.Outcome, p.Reason = Failed, "the source is empty, but Microsoft Graph refuses to delete the mobile phone while an "+
			"alternate mobile exists, and PHONE_SYNC_DELETE_ALTERNATE_MOBILE is off"
	case alternate != nil:
		p.Write, p.Outcome, p.Reason = DeleteMobile, Deleted, "the source is empty; the alternate mobile was deleted first"
		p.AlsoDelete = []directory.PhoneMethod{*alternate}
	default:
		p.Write, p.Outcome, p.Reason = DeleteMobile, Deleted, "the source is empty and OverwriteNull is set"
	}
	return p
}

func phoneOfType(phones []directory.PhoneMethod, t string) *directory.PhoneMethod {
	for i := range phones {
		if phones[i].Type == t {
			return &phones[i]
		}
	}
	return nil
}
