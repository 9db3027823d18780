// Package rtc is the server side of the room console's WebRTC connection (docs/design.md
// §19). A console posts one SDP offer and gets back a complete
// answer (no trickle ICE); its "presence" data channel carries heartbeats to the hub and
// check-ins, roll calls and QR rotations to the console. The hub turns ICE states and
// heartbeats into presence events for a bridge.PresenceSink, and can forward a console's
// camera to organizers who watch the room.
//
// The console's side of the protocol:
//
//   - It makes one RTCPeerConnection per page load with a fresh connection id (a UUID),
//     creates the data channel "presence" itself (in band, not pre-negotiated), and
//     posts its offer after gathering completes.
//   - Every few seconds it sends {"type":"heartbeat","headcount":N,"visible":true}; as
//     the page closes, {"type":"bye"}. Messages over 16 KiB are dropped.
//   - The hub sends JSON objects with a "type"; {"type":"ended","reason":"replaced"}
//     means another console took over the point (stop reconnecting), and
//     {"type":"ended","reason":"shutdown"} that this server is stopping (reconnect).
//   - After a network failure it calls createOffer({iceRestart: true}) and posts the
//     offer with the same id; if the hub answers that the connection has ended
//     (ErrConnGone), it starts over with a new RTCPeerConnection and a new id.
//
// pion is imported here and nowhere else; the API sees only the pion-free types of
// package bridge.
package rtc

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/diemcau/diemcau/bridge"
	"github.com/pion/webrtc/v4"
)

// Limits of what the hub accepts and sends.
const (
	// MaxOfferSize is the largest SDP offer accepted. A console's offer is 1–3 KiB;
	// one with a camera and all of a browser's codecs stays under 16 KiB.
	MaxOfferSize = 64 << 10
	// MaxConnIDLen is the longest connection id (a UUID is 36 characters).
	MaxConnIDLen = 64
	// MaxSendSize is the largest message Send and Broadcast take, what every browser
	// accepts on a data channel.
	MaxSendSize = 64 << 10
	// maxReadSize is the largest message read from a console; larger ones are dropped.
	maxReadSize = 16 << 10
	// maxQueued is how much may wait unsent for one console before Send refuses.
	maxQueued = 1 << 20
	// minHeartbeatGap spaces heartbeat events: a console that sends more often still
	// counts as alive, but the sink hears at most two heartbeats a second from it.
	minHeartbeatGap = 500 * time.Millisecond
	// presenceLabel is the label of the console's data channel.
	presenceLabel = "presence"
)

// Hub holds every console connection of this server instance, on one shared UDP port
// (and one TCP port), with one DTLS certificate. It is safe for concurrent use.
type Hub struct {
	cfg  Config
	sink bridge.PresenceSink
	log  *slog.Logger
	tr   *transport

	mu     sync.Mutex
	cert   *webrtc.Certificate
	conns  map[string]*conn     // live connections by id
	points map[int64]*conn      // the current connection of each point
	gone   map[string]time.Time // ids of ended connections, until Linger has passed
	queue  []bridge.PresenceEvent
	closed bool

	dropped atomic.Uint64 // console messages ignored

	wake  chan struct{} // the dispatcher has events to deliver
	stop  chan struct{} // closed by Close: the ticker and the dispatcher end
	loops sync.WaitGroup
	work  sync.WaitGroup // per-connection goroutines: reads, forwarding, closing
}

// NewHub opens the shared UDP (and TCP) port and starts the hub's two goroutines: one
// ticker that finds silent consoles and one dispatcher that hands events to sink in
// order. log may be nil.
func NewHub(cfg Config, sink bridge.PresenceSink, log *slog.Logger) (*Hub, error) {
	cfg.setDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if sink == nil {
		sink = discardSink{}
	}
	cert, err := newCertificate()
	if err != nil {
		return nil, err
	}
	tr, err := newTransport(cfg, log)
	if err != nil {
		return nil, err
	}
	h := &Hub{
		cfg: cfg, sink: sink, log: log, tr: tr, cert: cert,
		conns:  make(map[string]*conn),
		points: make(map[int64]*conn),
		gone:   make(map[string]time.Time),
		wake:   make(chan struct{}, 1),
		stop:   make(chan struct{}),
	}
	h.loops.Add(2)
	go h.tickLoop()
	go h.dispatchLoop()
	log.Info("webrtc hub listening", "udp", addrString(tr.udpAddr), "tcp", addrString(tr.tcpAddr),
		"loopback", cfg.Loopback)
	return h, nil
}

type discardSink struct{}

func (discardSink) Presence(bridge.PresenceEvent) {}

func addrString(a net.Addr) string {
	if a == nil {
		return "off"
	}
	return a.String()
}

// UDPAddr is the address of the shared UDP port (the first one when it is open on
// several interface addresses).
func (h *Hub) UDPAddr() net.Addr { return h.tr.udpAddr }

// TCPAddr is the address of the ICE-TCP port, nil when ICE-TCP is off.
func (h *Hub) TCPAddr() net.Addr { return h.tr.tcpAddr }

// ICEServers returns the configured STUN and TURN servers for the console's
// RTCPeerConnection, without pion types.
func (h *Hub) ICEServers() []bridge.ICEServer {
	out := make([]bridge.ICEServer, 0, len(h.cfg.ICEServers))
	for _, s := range h.cfg.ICEServers {
		is := bridge.ICEServer{URLs: append([]string(nil), s.URLs...), Username: s.Username}
		if cred, ok := s.Credential.(string); ok {
			is.Credential = cred
		}
		out = append(out, is)
	}
	return out
}

// Answer accepts a console's SDP offer for session s and returns the answer once ICE
// gathering is complete, so the console needs no trickle ICE.
//
// connID is chosen by the console, one per RTCPeerConnection. An offer with a new id
// starts a new connection; if the point already has one, that one ends with reason
// "replaced" (and is told so on its channel). An offer with the id of a live
// connection renegotiates it: this is how a console's ICE restart
// (createOffer({iceRestart: true}) on its existing RTCPeerConnection) brings a point
// back after a network failure, without a new connection. A console that wants to send
// its camera must offer video in its first offer.
//
// Answer returns ErrBadSession, ErrBadConnID, ErrBadOffer, ErrSessionMismatch (the id
// belongs to another session), ErrConnGone (the id's connection has ended: start a new
// one), ErrClosed, or ctx's error when ctx ends before gathering does.
func (h *Hub) Answer(ctx context.Context, s bridge.Session, connID string, offerSDP string) (string, error) {
	if s.ConferenceID <= 0 || s.PointID <= 0 {
		return "", ErrBadSession
	}
	if !validConnID(connID) {
		return "", ErrBadConnID
	}
	offer, media, err := parseOffer(offerSDP)
	if err != nil {
		return "", err
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return "", ErrClosed
	}
	c, gone := h.conns[connID], !h.gone[connID].IsZero()
	cert, err := h.certificateLocked()
	h.mu.Unlock()
	switch {
	case err != nil:
		return "", err
	case c != nil:
		return h.renegotiate(ctx, c, s, offer)
	case gone:
		return "", ErrConnGone
	}
	return h.connect(ctx, s, connID, offer, media, cert)
}

// connect makes a new connection for s.
func (h *Hub) connect(ctx context.Context, s bridge.Session, id string, offer webrtc.SessionDescription,
	media bool, cert *webrtc.Certificate) (string, error) {
	api := h.tr.data
	if media {
		api = h.tr.media
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{Certificates: []webrtc.Certificate{*cert}})
	if err != nil {
		return "", fmt.Errorf("rtc: new peer connection: %w", err)
	}
	c := &conn{h: h, id: id, s: s, pc: pc, camera: media}
	pc.OnConnectionStateChange(c.onState)
	pc.OnDataChannel(c.onDataChannel)
	if media {
		pc.OnTrack(c.onTrack)
	}
	answer, err := negotiate(ctx, pc, offer)
	if err != nil {
		h.closePC(pc)
		return "", err
	}

	now := h.cfg.Now()
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		h.closePC(pc)
		return "", ErrClosed
	}
	if h.conns[id] != nil || !h.gone[id].IsZero() {
		// Two offers raced with one new id: the first one registered wins.
		h.mu.Unlock()
		h.closePC(pc)
		return "", fmt.Errorf("%w: id already in use", ErrBadConnID)
	}
	if old := h.points[s.PointID]; old != nil {
		h.endLocked(old, bridge.ReasonReplaced, now)
	}
	c.live, c.waitingSince = true, now
	h.conns[id] = c
	h.points[s.PointID] = c
	h.mu.Unlock()
	return answer, nil
}

// renegotiate applies an offer on an existing connection: an ICE restart, or any other
// change of the console's session description.
func (h *Hub) renegotiate(ctx context.Context, c *conn, s bridge.Session, offer webrtc.SessionDescription) (string, error) {
	if c.s != s {
		return "", ErrSessionMismatch
	}
	c.negotiating.Lock()
	defer c.negotiating.Unlock()
	if !h.isLive(c) {
		return "", ErrConnGone
	}
	answer, err := negotiate(ctx, c.pc, offer)
	if err != nil {
		if !h.isLive(c) || c.pc.ConnectionState() == webrtc.PeerConnectionStateClosed {
			return "", ErrConnGone
		}
		return "", err
	}
	h.mu.Lock()
	if c.live && !c.online {
		// The restart gets a whole Linger to connect.
		c.waitingSince = h.cfg.Now()
	}
	h.mu.Unlock()
	h.log.Debug("console renegotiated", "conference", c.s.ConferenceID, "point", c.s.PointID, "conn", c.id)
	return answer, nil
}

// negotiate applies offer to pc and returns the answer with every candidate in it.
func negotiate(ctx context.Context, pc *webrtc.PeerConnection, offer webrtc.SessionDescription) (string, error) {
	if err := pc.SetRemoteDescription(offer); err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return "", fmt.Errorf("rtc: set local description: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", fmt.Errorf("rtc: gather candidates: %w", ctx.Err())
	}
	local := pc.LocalDescription()
	if local == nil {
		return "", fmt.Errorf("rtc: no local description after gathering")
	}
	return local.SDP, nil
}

// parseOffer checks that s is an SDP offer and tells whether it offers media (the
// console's camera), which needs the media API.
func parseOffer(s string) (webrtc.SessionDescription, bool, error) {
	if s == "" || len(s) > MaxOfferSize {
		return webrtc.SessionDescription{}, false, ErrBadOffer
	}
	desc := webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: s}
	parsed, err := desc.Unmarshal()
	if err != nil {
		// pion's parse errors quote the offending line; logs carry no SDP.
		return webrtc.SessionDescription{}, false, ErrBadOffer
	}
	media := false
	for _, m := range parsed.MediaDescriptions {
		if m.MediaName.Media == "video" {
			media = true
		}
	}
	return desc, media, nil
}

// validConnID accepts 1–64 letters, digits, '-' and '_'.
func validConnID(id string) bool {
	if id == "" || len(id) > MaxConnIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}

// certificateLocked returns the shared DTLS certificate, replaced a week before it
// expires (pion's last a month; an expired one would refuse every new connection). It
// reads the real clock, which is what certificates are checked against. h.mu must be
// held.
func (h *Hub) certificateLocked() (*webrtc.Certificate, error) {
	if time.Now().Before(h.cert.Expires().Add(-7 * 24 * time.Hour)) {
		return h.cert, nil
	}
	cert, err := newCertificate()
	if err != nil {
		return nil, err
	}
	h.cert = cert
	return cert, nil
}

// Send pushes msg, marshalled as JSON, to the console of a point over its presence
// channel: check-ins, roll calls, QR rotations. Messages should carry a "type" field.
// It returns ErrNotConnected when the point has no open channel, ErrSlowConsole when
// the console is not reading, and ErrMessageTooLarge.
func (h *Hub) Send(pointID int64, msg any) error {
	b, err := marshal(msg)
	if err != nil {
		return err
	}
	h.mu.Lock()
	c := h.points[pointID]
	var ch channel
	if c != nil {
		ch = c.ch
	}
	h.mu.Unlock()
	if ch.raw == nil {
		return ErrNotConnected
	}
	return c.write(ch, b)
}

// Broadcast pushes msg to every console of a conference that has an open channel and
// returns how many it reached. It returns an error only when msg cannot be sent at
// all (not JSON, too large); consoles that cannot take it are skipped.
func (h *Hub) Broadcast(conferenceID int64, msg any) (int, error) {
	b, err := marshal(msg)
	if err != nil {
		return 0, err
	}
	type target struct {
		c  *conn
		ch channel
	}
	var targets []target
	h.mu.Lock()
	for _, c := range h.points {
		if c.s.ConferenceID == conferenceID && c.ch.raw != nil {
			targets = append(targets, target{c, c.ch})
		}
	}
	h.mu.Unlock()
	n := 0
	for _, t := range targets {
		if err := t.c.write(t.ch, b); err != nil {
			h.log.Debug("broadcast skipped a console", "point", t.c.s.PointID, "err", err)
			continue
		}
		n++
	}
	return n, nil
}

func marshal(msg any) ([]byte, error) {
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("rtc: marshal message: %w", err)
	}
	if len(b) > MaxSendSize {
		return nil, ErrMessageTooLarge
	}
	return b, nil
}

// Online reports whether the point's console is online: its presence channel is open
// and its heartbeats are on time.
func (h *Hub) Online(pointID int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.points[pointID]
	return c != nil && c.online
}

// Stats are counts of what the hub holds, for metrics.
type Stats struct {
	Connections int    // console connections held, online or waiting for a restart
	Online      int    // consoles online
	Channels    int    // open presence channels
	Video       int    // consoles sending their camera
	Viewers     int    // viewer connections watching a console
	Dropped     uint64 // console messages ignored so far: malformed, unknown or too large
}

// Stats returns the hub's current counts.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := Stats{Connections: len(h.conns), Dropped: h.dropped.Load()}
	for _, c := range h.conns {
		if c.online {
			st.Online++
		}
		if c.ch.raw != nil {
			st.Channels++
		}
		if c.video != nil {
			st.Video++
		}
		st.Viewers += len(c.viewers)
	}
	return st
}

// Close ends every connection with reason "shutdown" (the sink gets an offline event
// for each console that was online; consoles are told on their channel), waits for
// the sink to have every event, and closes the shared ports. Later calls return nil.
// The sink must not call Close: Close waits for it.
func (h *Hub) Close() error {
	now := h.cfg.Now()
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	var ending []*conn
	var chans []channel
	for _, c := range h.conns {
		chans = append(chans, c.ch)
		h.endLocked(c, bridge.ReasonShutdown, now)
		ending = append(ending, c)
	}
	h.mu.Unlock()

	// endLocked leaves closing to us once the hub is closed; close them all at once,
	// since each may wait a little for its notice to leave.
	h.work.Add(len(ending))
	for i, c := range ending {
		go func() {
			defer h.work.Done()
			c.close(chans[i], bridge.ReasonShutdown)
		}()
	}
	h.work.Wait()
	close(h.stop)
	h.loops.Wait()
	err := h.tr.close()
	h.log.Info("webrtc hub closed", "connections", len(ending))
	if err != nil {
		return fmt.Errorf("rtc: close ports: %w", err)
	}
	return nil
}

// closePC closes a peer connection that never became a hub connection.
func (h *Hub) closePC(pc *webrtc.PeerConnection) {
	if err := pc.Close(); err != nil {
		h.log.Debug("close peer connection", "err", err)
	}
}

// isLive reports whether c is still one of the hub's connections.
func (h *Hub) isLive(c *conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return c.live
}

// spawnLocked runs fn on a goroutine that Close waits for. It refuses once the hub is
// closing, which keeps every Add before Close's Wait. h.mu must be held.
func (h *Hub) spawnLocked(fn func()) bool {
	if h.closed {
		return false
	}
	h.work.Add(1)
	go func() {
		defer h.work.Done()
		fn()
	}()
	return true
}

// emitLocked queues ev for the sink. h.mu must be held.
func (h *Hub) emitLocked(ev bridge.PresenceEvent) {
	h.queue = append(h.queue, ev)
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// dispatchLoop hands queued events to the sink, in order, outside the hub's lock (so
// the sink may call the hub). On Close it delivers what is left, then returns.
func (h *Hub) dispatchLoop() {
	defer h.loops.Done()
	var batch []bridge.PresenceEvent
	for {
		stopping := false
		select {
		case <-h.wake:
		case <-h.stop:
			stopping = true
		}
		h.mu.Lock()
		batch, h.queue = h.queue, batch[:0]
		h.mu.Unlock()
		for i := range batch {
			h.sink.Presence(batch[i])
			batch[i] = bridge.PresenceEvent{}
		}
		if stopping {
			return
		}
	}
}

// tickLoop is the hub's one clock for every connection: it calls a console offline
// when its heartbeats stop and closes connections that stayed offline for Linger.
func (h *Hub) tickLoop() {
	defer h.loops.Done()
	t := time.NewTicker(tickInterval(h.cfg.PresenceTimeout))
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			h.tick()
		}
	}
}

// tickInterval checks often enough that a silent console is called offline at most a
// tenth of the timeout (and half a second) late.
func tickInterval(timeout time.Duration) time.Duration {
	return min(max(timeout/10, 20*time.Millisecond), 500*time.Millisecond)
}

func (h *Hub) tick() {
	now := h.cfg.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	for _, c := range h.conns {
		switch {
		case c.online && now.Sub(c.lastBeat) >= h.cfg.PresenceTimeout:
			h.offlineLocked(c, bridge.ReasonHeartbeatTimeout, now)
		case !c.online && now.Sub(c.waitingSince) >= h.cfg.Linger:
			reason := bridge.ReasonHeartbeatTimeout
			if c.iceFailed {
				reason = bridge.ReasonICEFailed
			}
			h.endLocked(c, reason, now)
		}
	}
	for id, at := range h.gone {
		if now.Sub(at) >= h.cfg.Linger {
			delete(h.gone, id)
		}
	}
}

// onlineLocked marks c online. h.mu must be held.
func (h *Hub) onlineLocked(c *conn, now time.Time) {
	c.online, c.lastBeat, c.onlineSince = true, now, now
	h.emitLocked(bridge.PresenceEvent{Kind: bridge.PresenceOnline, Session: c.s, ConnID: c.id, At: now})
	h.log.Info("console online", "conference", c.s.ConferenceID, "point", c.s.PointID,
		"chair", c.s.ChairMemberID, "conn", c.id, "camera", c.camera)
}

// offlineLocked marks c offline for reason. h.mu must be held.
func (h *Hub) offlineLocked(c *conn, reason string, now time.Time) {
	c.online, c.waitingSince = false, now
	h.emitLocked(bridge.PresenceEvent{Kind: bridge.PresenceOffline, Session: c.s, ConnID: c.id, At: now,
		Reason: reason})
	h.log.Info("console offline", "conference", c.s.ConferenceID, "point", c.s.PointID, "conn", c.id,
		"reason", reason, "online_for", now.Sub(c.onlineSince).Round(time.Millisecond))
}

// endLocked removes c from the hub for reason (an offline event if it was online) and,
// unless the hub is closing (Close closes its connections itself), closes it in the
// background, telling the console why when it may still listen. h.mu must be held.
func (h *Hub) endLocked(c *conn, reason string, now time.Time) {
	if !c.live {
		return
	}
	c.live = false
	if c.online {
		h.offlineLocked(c, reason, now)
	} else {
		h.log.Debug("console connection ended", "point", c.s.PointID, "conn", c.id, "reason", reason)
	}
	delete(h.conns, c.id)
	if h.points[c.s.PointID] == c {
		delete(h.points, c.s.PointID)
	}
	h.gone[c.id] = now
	ch := c.ch
	notice := ""
	if reason == bridge.ReasonReplaced || reason == bridge.ReasonShutdown {
		notice = reason
	}
	h.spawnLocked(func() { c.close(ch, notice) })
}
