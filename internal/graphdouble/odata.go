package graphdouble

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// call is one request being handled, with the tenant locked.
type call struct {
	d    *Double
	w    http.ResponseWriter
	r    *http.Request
	p    map[string]string
	body []byte
	t    *Tenant
	rt   *route
}

// jsonContentType is what Graph sends; Kiota keys its parser on the part
// before ";".
const jsonContentType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

// graphTimeLayout is Graph's DateTimeOffset rendering (7 fractional digits).
const graphTimeLayout = "2006-01-02T15:04:05.0000000Z"

func (c *call) json(status int, v any) {
	if c.d.opts.MaskPhoneNumbers {
		maskPhones(v)
	}
	writeJSON(c.w, status, v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("graphdouble: cannot encode answer: %v", err)) // a bug in a renderer
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (c *call) noContent() { c.w.WriteHeader(http.StatusNoContent) }

func (c *call) fail(status int, code, msg string) {
	writeError(c.w, status, code, msg, c.d.now(), c.r.Header.Get("client-request-id"))
}

// writeError writes Graph's error envelope, which Kiota decodes into
// odataerrors.ODataError.
func writeError(w http.ResponseWriter, status int, code, msg string, now time.Time, clientRequestID string) {
	inner := map[string]any{
		"date":       now.UTC().Format(time.RFC3339),
		"request-id": w.Header().Get("request-id"),
	}
	if clientRequestID != "" {
		inner["client-request-id"] = clientRequestID
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code":       code,
		"message":    msg,
		"innerError": inner,
	}})
}

func (c *call) notFound(id string) {
	c.fail(http.StatusNotFound, "Request_ResourceNotFound",
		fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id))
}

func (c *call) badRequest(msg string) {
	c.fail(http.StatusBadRequest, "BadRequest", msg)
}

// base is scheme://host as the caller sees this double.
func (c *call) base() string {
	if c.d.opts.BaseURL != "" {
		return strings.TrimRight(c.d.opts.BaseURL, "/")
	}
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host
}

func (c *call) version() string {
	if c.rt != nil && c.rt.beta {
		return "beta"
	}
	return "v1.0"
}

func (c *call) contextURL(fragment string) string {
	return c.base() + "/" + c.version() + "/$metadata#" + fragment
}

// entity answers one object with its @odata.context.
func (c *call) entity(status int, ctxFragment string, obj map[string]any) {
	obj["@odata.context"] = c.contextURL(ctxFragment)
	c.json(status, obj)
}

// decodeBody parses the (already gunzipped) JSON body; numbers stay
// json.Number so Int32 properties can be told from doubles.
func (c *call) decodeBody() (map[string]any, bool) {
	if len(bytes.TrimSpace(c.body)) == 0 {
		c.badRequest("Empty Payload. JSON content expected.")
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		c.badRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
		return nil, false
	}
	return m, true
}

// checkBody validates a request body against the double's schema of the
// route's body type, answering 400 as Graph does for unknown properties.
func (c *call) checkBody(m map[string]any) bool {
	if err := requestSchema.checkBody(c.rt.body, m); err != nil {
		c.badRequest(err.Error())
		return false
	}
	return true
}

// selection parses $select; nil means "default properties".
func (c *call) selection() []string {
	raw := c.r.URL.Query().Get("$select")
	if raw == "" {
		return nil
	}
	var out []string
	for _, f := range strings.Split(raw, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// checkSelect answers 400 for a $select property Graph does not know on
// the type(s) the endpoint returns.
func (c *call) checkSelect(sel []string, typeName string, known ...[]string) bool {
	for _, f := range sel {
		ok := false
		for _, k := range known {
			ok = ok || slices.Contains(k, f)
		}
		if !ok {
			c.badRequest(fmt.Sprintf("Parsing OData Select and Expand failed: Could not find a property named '%s' on type '%s'.", f, typeName))
			return false
		}
	}
	return true
}

// project keeps the selected properties (and @odata.type, which Graph
// always sends on polymorphic items). On a polymorphic item, a selected
// property its type lacks (userPrincipalName on a group) is left out, as
// Graph does. Selected properties the double does not model come back as
// null, as an unset property does in Graph.
func project(obj map[string]any, sel []string) map[string]any {
	if sel == nil {
		return obj
	}
	out := map[string]any{}
	t, typed := obj["@odata.type"].(string)
	if typed {
		out["@odata.type"] = t
	}
	for _, f := range sel {
		if known := selectable[t]; typed && known != nil && !slices.Contains(known, f) {
			continue
		}
		out[f] = obj[f]
	}
	return out
}

// selectable maps an @odata.type to the property names it has.
var selectable = map[string][]string{
	"#" + g + "user":          userProperties,
	"#" + g + "group":         groupProperties,
	"#" + g + "directoryRole": directoryRoleProperties,
}

// page answers one page of a collection and an absolute @odata.nextLink
// carrying an opaque $skiptoken, as Graph does.
func (c *call) page(items []map[string]any, maxTop int, ctxFragment string) {
	q := c.r.URL.Query()
	size := c.d.opts.PageSize
	if v := q.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxTop {
			c.fail(http.StatusBadRequest, "Request_BadRequest",
				fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", v, maxTop))
			return
		}
		size = n
	}
	if m := c.d.opts.MaxPageSize; m > 0 {
		size = min(size, m)
	}
	offset := 0
	if tok := q.Get("$skiptoken"); tok != "" {
		n, ok := decodeSkipToken(tok)
		if !ok {
			c.fail(http.StatusBadRequest, "Request_BadRequest", "Invalid skip token.")
			return
		}
		offset = n
	}
	offset = min(offset, len(items))
	end := min(offset+size, len(items))
	out := map[string]any{
		"@odata.context": c.contextURL(ctxFragment),
		"value":          nonNil(items[offset:end]),
	}
	if q.Get("$count") == "true" {
		out["@odata.count"] = len(items)
	}
	if end < len(items) {
		q.Set("$skiptoken", encodeSkipToken(end))
		out["@odata.nextLink"] = c.base() + c.r.URL.EscapedPath() + "?" + encodeQuery(q)
	}
	c.json(http.StatusOK, out)
}

func nonNil(items []map[string]any) []map[string]any {
	if items == nil {
		return []map[string]any{}
	}
	return items
}

// Skip tokens look opaque like Graph's but are just an offset.
func encodeSkipToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("gd-offset:" + strconv.Itoa(offset)))
}

func decodeSkipToken(tok string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "gd-offset:"))
	if err != nil || n < 0 || !strings.HasPrefix(string(b), "gd-offset:") {
		return 0, false
	}
	return n, true
}

// encodeQuery keeps "$" literal in OData option names, as Graph's links do.
func encodeQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		name := strings.ReplaceAll(url.QueryEscape(k), "%24", "$")
		for _, v := range q[k] {
			parts = append(parts, name+"="+strings.ReplaceAll(url.QueryEscape(v), "+", "%20"))
		}
	}
	return strings.Join(parts, "&")
}

// timeOrNil renders a DateTimeOffset, or null when unset.
func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(graphTimeLayout)
}

func strOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func strSlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

// filterItems applies $filter; it answers 400 itself and returns false
// for a filter it cannot parse.
func (c *call) filterItems(items []map[string]any) ([]map[string]any, bool) {
	raw := c.r.URL.Query().Get("$filter")
	if raw == "" {
		return items, true
	}
	x, err := parseFilter(raw)
	if err != nil {
		c.badRequest("Invalid filter clause: " + err.Error())
		return nil, false
	}
	var out []map[string]any
	for _, it := range items {
		if matchFilter(x, jsonRoundTrip(it)) {
			out = append(out, it)
		}
	}
	return out, true
}

// jsonRoundTrip turns a rendered object into plain decoded JSON
// (map[string]any, []any, json.Number) so filters see what a client sees.
func jsonRoundTrip(obj map[string]any) map[string]any {
	b, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		panic(err)
	}
	return out
}

// whole answers a small collection Graph does not page (a user's
// authentication methods) in one response.
func (c *call) whole(items []map[string]any, ctxFragment string) {
	c.json(http.StatusOK, map[string]any{
		"@odata.context": c.contextURL(ctxFragment),
		"value":          nonNil(items),
	})
}
