// Package load drives a running diemcau server the way a conference does, through
// its real HTTP API, and reports throughput and latency. It is what `diemcau load`
// runs; it only ever targets the URL it is given (loopback in tests and benchmarks).
package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Client talks to one server as one principal.
type Client struct {
	Base  string
	Token string
	HTTP  *http.Client
}

// NewHTTPClient returns a client for load: many keep-alive connections to one host,
// or a new connection per request when fresh is set (as phones on mobile data do).
func NewHTTPClient(conns int, fresh bool) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     0,
		IdleConnTimeout:     30 * time.Second,
		DisableKeepAlives:   fresh,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// StatusError is an unexpected HTTP answer.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Body) }

// Do sends a JSON request (body nil for none) and decodes a JSON answer into out.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return c.send(req, out)
}

func (c *Client) send(req *http.Request, out any) error {
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return &StatusError{Status: resp.StatusCode, Body: strings.TrimSpace(string(b))}
	}
	if out != nil && len(b) > 0 {
		return json.Unmarshal(b, out)
	}
	return nil
}

// Upload posts a file as multipart field "file".
func (c *Client) Upload(ctx context.Context, path, name string, data []byte, out any) error {
	var buf bytes.Buffer
	boundary := "diemcau-load-boundary"
	fmt.Fprintf(&buf, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=%q\r\nContent-Type: text/csv\r\n\r\n", boundary, name)
	buf.Write(data)
	fmt.Fprintf(&buf, "\r\n--%s--\r\n", boundary)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+path, &buf)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	req.Header.Set("Authorization", "Bearer "+c.Token)
	return c.send(req, out)
}

// Login signs in as staff and keeps the token.
func (c *Client) Login(ctx context.Context, login, password string) error {
	var out struct {
		Token string `json:"token"`
	}
	if err := c.Do(ctx, http.MethodPost, "/api/v1/auth/login", map[string]string{"login": login, "password": password}, &out); err != nil {
		return fmt.Errorf("sign in as %s: %w", login, err)
	}
	c.Token = out.Token
	return nil
}

// Latencies collects request durations, safely from many goroutines.
type Latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

// Add records one duration.
func (l *Latencies) Add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// Summary is a latency distribution.
type Summary struct {
	Count              int
	P50, P90, P99, Max time.Duration
}

// Summary sorts what was recorded and reads the percentiles.
func (l *Latencies) Summary() Summary {
	l.mu.Lock()
	d := slices.Clone(l.d)
	l.mu.Unlock()
	if len(d) == 0 {
		return Summary{}
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	at := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))] }
	return Summary{Count: len(d), P50: at(.50), P90: at(.90), P99: at(.99), Max: d[len(d)-1]}
}

func (s Summary) String() string {
	return fmt.Sprintf("n=%d  p50 %s  p90 %s  p99 %s  max %s", s.Count, ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
