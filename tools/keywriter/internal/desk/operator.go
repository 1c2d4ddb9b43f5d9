package desk

import (
	"context"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/pin"
)

// Prompt is something the operator must do with the keys.
type Prompt int

// Prompts.
const (
	// PromptInsertKey: no key is plugged in.
	PromptInsertKey Prompt = iota + 1
	// PromptRemoveExtra: more than one key is plugged in.
	PromptRemoveExtra
	// PromptOtherKey: this key cannot serve this user (the detail says
	// why); take it out and insert another.
	PromptOtherKey
	// PromptRemoveKey: the item is finished with this key.
	PromptRemoveKey
	// PromptTouch: the key waits for a touch.
	PromptTouch
)

// Item is what the operator sees about the user being served.
type Item struct {
	JobID       string
	Index       int
	UserID      string
	UPN         string
	DisplayName string
	Expires     time.Time
}

// Progress is the run so far.
type Progress struct {
	Done, Written int
	// Remaining is the queue's approximate message count (-1: unknown).
	Remaining int
	// PerKey is the average time a written key took so far.
	PerKey time.Duration
}

// Operator is the person at the desk. A terminal implements it for real
// runs; tests script it.
type Operator interface {
	// Show starts an item.
	Show(Item)
	// Prompt asks for an action; it is called when the need changes,
	// not on every look at the bus.
	Prompt(p Prompt, detail string)
	// AskPIN reads the PIN of a key that has one, hidden. An empty PIN
	// means the operator declines.
	AskPIN(ctx context.Context, retries int) (*pin.PIN, error)
	// ShowPIN displays a PIN the desk set, once, and returns when the
	// operator has noted it.
	ShowPIN(ctx context.Context, it Item, p *pin.PIN) error
	// Finished reports an item's outcome and the run's progress.
	Finished(o Outcome, p Progress)
}
