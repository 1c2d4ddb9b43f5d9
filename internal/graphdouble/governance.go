package graphdouble

import (
	"net/http"
	"strings"
)

// resumeRequest is assignmentRequests/{id}/resume (v1.0) and the beta
// accessPackageAssignmentRequests/{id}/resume that CallbackUriPath names.
// A request can be resumed only while it waits for a callback, so a second
// resume of the same stage is refused: our idempotency must prevent it.
func resumeRequest(c *call) {
	id := c.p["id"]
	var req *AssignmentRequest
	for _, r := range c.t.AssignmentRequests {
		if strings.EqualFold(r.ID, id) {
			req = r
		}
	}
	if req == nil {
		c.notFound(id)
		return
	}
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return
	}
	if req.RequestStatus != "WaitingForCallback" {
		c.badRequest("The access package assignment request is not waiting for a callback (status '" + req.RequestStatus + "').")
		return
	}
	data, _ := body["data"].(map[string]any)
	source, _ := body["source"].(string)
	typ, _ := body["type"].(string)
	c.t.ResumeCalls = append(c.t.ResumeCalls, ResumeCall{
		Time: c.d.now(), RequestID: req.ID, Source: source, Type: typ, Data: deepCopyJSON(data),
	})
	req.RequestStatus = "Delivering"
	if state, _ := data["state"].(string); strings.EqualFold(state, "denied") {
		req.RequestStatus = "Denied"
	}
	c.w.WriteHeader(http.StatusNoContent)
}
