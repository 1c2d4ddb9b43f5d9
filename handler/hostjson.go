package main

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// maxDequeueCount reads extensions.queues.maxDequeueCount from the app's
// host.json, so the worker knows its last attempt exactly as the host
// does (default 5).
func maxDequeueCount() int64 {
	root := os.Getenv("FUNCTIONS_APP_ROOT_PATH")
	if root == "" {
		root = "."
	}
	raw, err := os.ReadFile(filepath.Join(root, "host.json"))
	if err != nil {
		return 5
	}
	var h struct {
		Extensions struct {
			Queues struct {
				MaxDequeueCount int64 `json:"maxDequeueCount"`
			} `json:"queues"`
		} `json:"extensions"`
	}
	if json.Unmarshal(raw, &h) != nil || h.Extensions.Queues.MaxDequeueCount < 1 {
		return 5
	}
	return h.Extensions.Queues.MaxDequeueCount
}
