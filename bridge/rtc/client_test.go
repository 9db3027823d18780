package rtc

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diemcau/diemcau/bridge"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// This file holds the test harness: a recording sink, a loopback-only hub, and a pion
// client that plays the room console (docs/testing.md: loopback candidates only, mDNS off).

// testLog is quiet unless DIEMCAU_TEST_LOG=1.
func testLog() *slog.Logger {
	if os.Getenv("DIEMCAU_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// watchdog fails loudly, with every goroutine's stack, if a test runs past d: a hung
// WebRTC test is a bug to see, not a CI timeout to wait for.
func watchdog(t testing.TB, d time.Duration) {
	t.Helper()
	name := t.Name()
	timer := time.AfterFunc(d, func() {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		fmt.Fprintf(os.Stderr, "%s\n", buf[:n])
		panic(fmt.Sprintf("%s ran longer than %v", name, d))
	})
	t.Cleanup(func() { timer.Stop() })
}

// recorder is a PresenceSink that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []bridge.PresenceEvent
	ch     chan bridge.PresenceEvent
}

func newRecorder() *recorder { return &recorder{ch: make(chan bridge.PresenceEvent, 4096)} }

func (r *recorder) Presence(ev bridge.PresenceEvent) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	select {
	case r.ch <- ev:
	default:
	}
}

// all returns the events so far of connection id ("" for every connection), except
// heartbeats.
func (r *recorder) all(id string) []bridge.PresenceEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []bridge.PresenceEvent
	for _, ev := range r.events {
		if ev.Kind != bridge.PresenceHeartbeat && (id == "" || ev.ConnID == id) {
			out = append(out, ev)
		}
	}
	return out
}

// wait returns the first event from now on of kind for connection id, or fails after d.
func (r *recorder) wait(t testing.TB, id string, kind bridge.PresenceKind, d time.Duration) bridge.PresenceEvent {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev := <-r.ch:
			if ev.ConnID == id && ev.Kind == kind {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event for %s within %v; events: %v", kind, id, d, r.all(""))
		}
	}
}

// quiet waits d and fails if connection id has any offline event in that time.
func (r *recorder) quiet(t testing.TB, id string, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev := <-r.ch:
			if ev.ConnID == id && ev.Kind == bridge.PresenceOffline {
				t.Fatalf("got offline %q for %s, want none", ev.Reason, id)
			}
		case <-timeout:
			return
		}
	}
}

// testConfig is the hub configuration of the tests: loopback only, OS-picked ports,
// a 2 s presence timeout.
func testConfig() Config {
	return Config{Loopback: true, PresenceTimeout: 2 * time.Second}
}

func newTestHub(t testing.TB, cfg Config) (*Hub, *recorder) {
	t.Helper()
	rec := newRecorder()
	h, err := NewHub(cfg, rec, testLog())
	if err != nil {
		t.Fatalf("NewHub: %v", err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return h, rec
}

// lossyConn is the client's UDP socket with a switch that drops every packet both ways:
// a network outage on loopback.
type lossyConn struct {
	net.PacketConn // not *net.UDPConn: every read and write goes through the methods below
	blocked        atomic.Bool
}

func (c *lossyConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(p)
		if err != nil || !c.blocked.Load() {
			return n, addr, err
		}
	}
}

func (c *lossyConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.blocked.Load() {
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, addr)
}

// client plays a room console: a pion PeerConnection with the presence channel.
type client struct {
	t      testing.TB
	id     string
	s      bridge.Session
	pc     *webrtc.PeerConnection
	dc     *webrtc.DataChannel
	net    *lossyConn
	mux    ice.UDPMux
	open   chan struct{}
	msgs   chan []byte
	paused atomic.Bool
	stop   chan struct{}
	done   sync.WaitGroup
	closed sync.Once
}

var connSeq atomic.Int64

type clientOptions struct {
	media     bool          // register VP8, for a console that sends its camera
	tcp       bool          // ICE over TCP only, as behind a firewall that blocks UDP
	keepalive time.Duration // ICE keepalive; default 250 ms, to see failures fast
}

// loopbackAPI builds a pion API for a test peer: its own UDP socket on 127.0.0.1 behind
// a lossyConn, the three loopback settings of docs/testing.md, and opts. The socket
// closes with the test.
func loopbackAPI(t testing.TB, opts clientOptions) (*webrtc.API, *lossyConn, ice.UDPMux) {
	t.Helper()
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("client listen: %v", err)
	}
	lossy := &lossyConn{PacketConn: udp}
	logs := pionLoggerFactory{log: slog.New(slog.DiscardHandler)}
	mux := ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: lossy, Logger: logs.NewLogger("client")})
	t.Cleanup(func() { _ = mux.Close() })

	var se webrtc.SettingEngine
	se.LoggerFactory = logs
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if opts.tcp {
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeTCP4})
	} else {
		se.SetICEUDPMux(mux)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	}
	if opts.keepalive > 0 {
		se.SetICETimeouts(3*time.Second, 5*time.Second, opts.keepalive)
	} else {
		se.SetICETimeouts(time.Second, 2*time.Second, 250*time.Millisecond)
	}
	me := &webrtc.MediaEngine{}
	reg := &interceptor.Registry{}
	if opts.media {
		if err := me.RegisterCodec(webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
				RTCPFeedback: []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}}},
			PayloadType: 96,
		}, webrtc.RTPCodecTypeVideo); err != nil {
			t.Fatal(err)
		}
	}
	return webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(me),
		webrtc.WithInterceptorRegistry(reg)), lossy, mux
}

func newClient(t testing.TB, s bridge.Session, opts clientOptions) *client {
	t.Helper()
	api, lossy, mux := loopbackAPI(t, opts)
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatalf("client peer connection: %v", err)
	}
	c := &client{t: t, id: fmt.Sprintf("console-%d", connSeq.Add(1)), s: s, pc: pc, net: lossy, mux: mux,
		open: make(chan struct{}), msgs: make(chan []byte, 64), stop: make(chan struct{})}
	c.dc, err = pc.CreateDataChannel(presenceLabel, nil)
	if err != nil {
		t.Fatalf("client data channel: %v", err)
	}
	var opened sync.Once
	c.dc.OnOpen(func() { opened.Do(func() { close(c.open) }) })
	c.dc.OnMessage(func(m webrtc.DataChannelMessage) {
		select {
		case c.msgs <- m.Data:
		default:
		}
	})
	t.Cleanup(c.close)
	return c
}

// offer creates an offer (an ICE restart if restart is set) with every candidate.
func (c *client) offer(restart bool) string {
	c.t.Helper()
	offer, err := c.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: restart})
	if err != nil {
		c.t.Fatalf("create offer: %v", err)
	}
	gathered := webrtc.GatheringCompletePromise(c.pc)
	if err := c.pc.SetLocalDescription(offer); err != nil {
		c.t.Fatalf("set local description: %v", err)
	}
	select {
	case <-gathered:
	case <-time.After(5 * time.Second):
		c.t.Fatal("client gathering did not complete")
	}
	return c.pc.LocalDescription().SDP
}

// answerFunc is the hub's Answer, directly or over HTTP.
type answerFunc func(ctx context.Context, s bridge.Session, connID, offer string) (string, error)

// negotiate sends an offer to the hub and applies its answer.
func (c *client) negotiate(h *Hub, restart bool) {
	c.t.Helper()
	c.negotiateWith(h.Answer, restart)
}

func (c *client) negotiateWith(answerFn answerFunc, restart bool) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	answer, err := answerFn(ctx, c.s, c.id, c.offer(restart))
	if err != nil {
		c.t.Fatalf("Answer: %v", err)
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		c.t.Fatalf("set remote description: %v", err)
	}
}

// connect negotiates and waits for the presence channel to open.
func (c *client) connect(h *Hub) {
	c.t.Helper()
	c.connectWith(h.Answer)
}

func (c *client) connectWith(answerFn answerFunc) {
	c.t.Helper()
	c.negotiateWith(answerFn, false)
	select {
	case <-c.open:
	case <-time.After(10 * time.Second):
		c.t.Fatalf("presence channel of %s did not open", c.id)
	}
}

// send sends one text message on the presence channel.
func (c *client) send(msg string) {
	c.t.Helper()
	if err := c.dc.SendText(msg); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

func heartbeatJSON(headcount int) string {
	return fmt.Sprintf(`{"type":"heartbeat","headcount":%d,"visible":true}`, headcount)
}

// heartbeats sends a heartbeat now and every interval until the client closes; pause
// holds them back.
func (c *client) heartbeats(every time.Duration) {
	c.done.Add(1)
	go func() {
		defer c.done.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for n := 1; ; n++ {
			if !c.paused.Load() {
				_ = c.dc.SendText(heartbeatJSON(n))
			}
			select {
			case <-c.stop:
				return
			case <-t.C:
			}
		}
	}()
}

// pause holds heartbeats back for d; the next one leaves as d ends.
func (c *client) pause(d time.Duration) {
	c.paused.Store(true)
	time.Sleep(d)
	c.paused.Store(false)
	_ = c.dc.SendText(heartbeatJSON(0))
}

// message waits for the next message from the hub.
func (c *client) message(d time.Duration) map[string]any {
	c.t.Helper()
	select {
	case b := <-c.msgs:
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			c.t.Fatalf("message %q: %v", b, err)
		}
		return m
	case <-time.After(d):
		c.t.Fatalf("no message for %s within %v", c.id, d)
	}
	return nil
}

func (c *client) close() {
	c.closed.Do(func() {
		close(c.stop)
		c.done.Wait()
		_ = c.pc.Close()
		_ = c.mux.Close()
	})
}

// settleGoroutines waits until the number of goroutines is at most want, and fails
// with their stacks if it stays above for d.
func settleGoroutines(t testing.TB, want int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutines: got %d, want at most %d after %v\n%s", n, want, d, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stableGoroutines waits for background goroutines from earlier tests to finish and
// returns the count.
func stableGoroutines() int {
	prev := runtime.NumGoroutine()
	for range 50 {
		time.Sleep(40 * time.Millisecond)
		n := runtime.NumGoroutine()
		if n == prev {
			return n
		}
		prev = n
	}
	return prev
}
