package callout

// ParseError names the first problem found in a callout. Field is the wire
// name of the offending field ("Assignment.Target.ObjectId", or "body" for
// the document as a whole). Reason is a fixed phrase chosen here, never text
// from the input, so the error is safe to hand back to a caller or log.
type ParseError struct {
	Field  string
	Reason string
}

func (e *ParseError) Error() string { return "callout: " + e.Field + ": " + e.Reason }

func fail(field, reason string) error { return &ParseError{Field: field, Reason: reason} }
