package graphdouble

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds request bodies; Graph's own limit is 4 MB for most calls.
const maxBody = 4 << 20

// ServeHTTP runs the request through latency, the auth check, fault rules
// and the tenant, logging it. Answers are buffered so a "drop" fault can
// apply a request and still close the connection without a byte sent.
func (d *Double) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	w.Header().Set("request-id", newID())
	clientID := r.Header.Get("client-request-id")
	if clientID != "" {
		w.Header().Set("client-request-id", clientID)
	}
	entry := LoggedRequest{
		Time: d.now(), Method: r.Method, Path: r.URL.Path,
		RawQuery: r.URL.RawQuery, Query: r.URL.Query(),
		Gzipped: strings.Contains(strings.ToLower(r.Header.Get("Content-Encoding")), "gzip"),
	}
	// The entry is logged before anything reaches the client: a test that
	// reads the log right after its call returned must find the call there.
	logged := false
	record := func() {
		if !logged {
			logged = true
			entry.Duration = time.Since(start)
			d.log.add(entry)
		}
	}
	defer record() // the client gave up before an answer was written
	body, status, err := readBody(r)
	entry.Body = body
	if err != nil {
		entry.Status = status
		record()
		writeError(w, status, "BadRequest", err.Error(), d.now(), clientID)
		return
	}
	d.serve(w, r, body, &entry, record)
}

func (d *Double) serve(w http.ResponseWriter, r *http.Request, body []byte, entry *LoggedRequest, record func()) {
	dec := d.faults.decide(r.Method, r.URL.Path)
	if !sleep(r.Context(), dec.latency) {
		return // the client gave up; nothing was applied
	}
	if check := d.currentAuthCheck(); check != nil {
		if err := check(r); err != nil {
			entry.Status, entry.Fault = http.StatusUnauthorized, "auth"
			record()
			w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
			writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", err.Error(), d.now(), r.Header.Get("client-request-id"))
			return
		}
	}
	f := dec.action
	if wait := d.rate.admit(time.Now()); wait > 0 && f == nil {
		f = throttleFault(wait)
	}
	switch {
	case f != nil && f.Status != 0:
		entry.Status, entry.Fault = f.Status, strconv.Itoa(f.Status)
		record()
		writeFault(w, f, d.now(), r.Header.Get("client-request-id"))
		return
	case f != nil && f.DropBeforeApply:
		entry.Fault, entry.Dropped = "drop-before-apply", true
		record()
		dropConnection(w)
		return
	}
	buf := newBufferedWriter(w.Header())
	d.dispatch(buf, r, body)
	entry.Status = buf.status
	if f != nil && f.Drop {
		entry.Fault, entry.Dropped = "drop", true
		record()
		dropConnection(w)
		return
	}
	record()
	buf.flushTo(w)
}

// readBody returns the request body, gunzipped when the SDK compressed it
// (Kiota's compression handler gzips every request body by default).
func readBody(r *http.Request) ([]byte, int, error) {
	if r.Body == nil {
		return nil, 0, nil
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
	if len(raw) > maxBody {
		return nil, http.StatusRequestEntityTooLarge, errors.New("Request body too large.")
	}
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return raw, 0, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, http.StatusBadRequest, errors.New("Invalid gzip request body.")
		}
		out, err := io.ReadAll(io.LimitReader(zr, maxBody+1))
		if err != nil || len(out) > maxBody {
			return nil, http.StatusBadRequest, errors.New("Invalid gzip request body.")
		}
		return out, 0, nil
	default:
		// 415 makes Kiota resend uncompressed.
		return nil, http.StatusUnsupportedMediaType, errors.New("Unsupported Content-Encoding " + enc + ".")
	}
}

// bufferedWriter holds an answer until the double decides to send or drop it.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferedWriter(h http.Header) *bufferedWriter {
	return &bufferedWriter{header: h.Clone()}
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedWriter) flushTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}
