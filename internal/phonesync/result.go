package phonesync

// Result is one user's outcome. Numbers are masked to their last two
// digits: the caller already knows them, and answers end up in logs.
type Result struct {
	Index  int    `json:"index"`
	User   string `json:"user"`             // as the caller named the user
	UserID string `json:"userId,omitempty"` // object id, once resolved
	Result string `json:"result"`           // created, updated, deleted, unchanged, skipped, error
	Reason string `json:"reason,omitempty"`
	// Number is the wanted number (created, updated, unchanged, skipped).
	Number string `json:"number,omitempty"`
	// Previous is the registered mobile number as Graph showed it.
	Previous string `json:"previous,omitempty"`
	// Source says where the wanted number came from: "Mobile" (the
	// request) or the directory attribute's name.
	Source string `json:"source,omitempty"`
}

// Counts tallies results by kind.
type Counts struct {
	Total     int `json:"total"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Deleted   int `json:"deleted"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	Error     int `json:"error"`
}

func (c *Counts) add(result string) {
	c.Total++
	switch result {
	case Created:
		c.Created++
	case Updated:
		c.Updated++
	case Deleted:
		c.Deleted++
	case Unchanged:
		c.Unchanged++
	case Skipped:
		c.Skipped++
	default:
		c.Error++
	}
}

// Answer is the 200 body.
type Answer struct {
	Counts  Counts   `json:"counts"`
	Results []Result `json:"results"`
}

func answerOf(results []Result) Answer {
	a := Answer{Results: results}
	for _, r := range results {
		a.Counts.add(r.Result)
	}
	if a.Results == nil {
		a.Results = []Result{}
	}
	return a
}
