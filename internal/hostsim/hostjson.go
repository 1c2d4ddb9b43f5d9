package hostsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// HostConfig is what the simulator takes from host.json.
type HostConfig struct {
	Forwarding        bool          // customHandler.enableForwardingHttpRequest
	RoutePrefix       string        // extensions.http.routePrefix, "api" by default
	MaxDequeueCount   int64         // extensions.queues.maxDequeueCount, 5 by default
	MessageEncoding   string        // extensions.queues.messageEncoding: "base64" (default) or "none"
	VisibilityTimeout time.Duration // extensions.queues.visibilityTimeout, retry delay after a failure
	FunctionTimeout   time.Duration // functionTimeout; 0 = unbounded
}

type hostJSON struct {
	Version         string
	FunctionTimeout string
	CustomHandler   *struct {
		EnableForwardingHTTPRequest bool `json:"enableForwardingHttpRequest"`
	}
	Extensions struct {
		HTTP struct {
			RoutePrefix *string
		} `json:"http"`
		Queues struct {
			MaxDequeueCount   *int64
			MessageEncoding   string
			VisibilityTimeout string
		}
	}
}

func loadHostJSON(appRoot string) (HostConfig, error) {
	path := filepath.Join(appRoot, "host.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return HostConfig{}, fmt.Errorf("host.json: %w", err)
	}
	var h hostJSON
	if err := json.Unmarshal(b, &h); err != nil {
		return HostConfig{}, fmt.Errorf("%s: %w", path, err)
	}
	cfg, err := h.config()
	if err != nil {
		return HostConfig{}, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

func (h *hostJSON) config() (HostConfig, error) {
	if h.Version != "2.0" {
		return HostConfig{}, fmt.Errorf(`version %q, the host wants "2.0"`, h.Version)
	}
	if h.CustomHandler == nil {
		return HostConfig{}, errors.New("no customHandler section")
	}
	cfg := HostConfig{Forwarding: h.CustomHandler.EnableForwardingHTTPRequest, RoutePrefix: "api", MaxDequeueCount: 5, MessageEncoding: "base64"}
	if p := h.Extensions.HTTP.RoutePrefix; p != nil {
		cfg.RoutePrefix = strings.Trim(*p, "/")
	}
	q := h.Extensions.Queues
	if q.MaxDequeueCount != nil {
		if *q.MaxDequeueCount < 1 {
			return HostConfig{}, errors.New("extensions.queues.maxDequeueCount must be at least 1")
		}
		cfg.MaxDequeueCount = *q.MaxDequeueCount
	}
	switch enc := strings.ToLower(q.MessageEncoding); enc {
	case "", "base64":
	case "none":
		cfg.MessageEncoding = enc
	default:
		return HostConfig{}, fmt.Errorf("extensions.queues.messageEncoding %q: want base64 or none", q.MessageEncoding)
	}
	var err error
	if cfg.VisibilityTimeout, err = parseTimeSpan(q.VisibilityTimeout); err != nil {
		return HostConfig{}, fmt.Errorf("extensions.queues.visibilityTimeout: %w", err)
	}
	if cfg.FunctionTimeout, err = parseTimeSpan(h.FunctionTimeout); err != nil {
		return HostConfig{}, fmt.Errorf("functionTimeout: %w", err)
	}
	return cfg, nil
}

// parseTimeSpan reads a .NET TimeSpan, [d.]hh:mm:ss[.fffffff]; "" is 0.
func parseTimeSpan(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	var days time.Duration
	rest := s
	if d, r, ok := strings.Cut(s, "."); ok && !strings.Contains(d, ":") {
		n, err := strconv.Atoi(d)
		if err != nil {
			return 0, fmt.Errorf("timespan %q: %w", s, err)
		}
		days, rest = time.Duration(n)*24*time.Hour, r
	}
	parts := strings.Split(rest, ":")
	if len(parts) != 3 {
		return 0, fmt.Errorf("timespan %q: want hh:mm:ss", s)
	}
	h, errH := strconv.Atoi(parts[0])
	m, errM := strconv.Atoi(parts[1])
	sec, errS := strconv.ParseFloat(parts[2], 64)
	if err := errors.Join(errH, errM, errS); err != nil || m > 59 || sec >= 60 {
		return 0, fmt.Errorf("timespan %q: want hh:mm:ss", s)
	}
	return days + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec*float64(time.Second)), nil
}
