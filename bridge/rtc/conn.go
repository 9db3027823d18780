package rtc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/diemcau/diemcau/bridge"
	"github.com/pion/datachannel"
	"github.com/pion/webrtc/v4"
)

// conn is one console's RTCPeerConnection on the server side.
type conn struct {
	h      *Hub
	id     string
	s      bridge.Session
	pc     *webrtc.PeerConnection
	camera bool // the console offered video

	negotiating sync.Mutex // one renegotiation at a time
	writing     sync.Mutex // one message at a time on the channel

	// Guarded by h.mu.
	live         bool    // registered in the hub and not ended
	ch           channel // the open presence channel, if any
	online       bool
	onlineSince  time.Time
	lastBeat     time.Time // last heartbeat (or the channel opening)
	lastBeatSent time.Time // last heartbeat passed to the sink
	waitingSince time.Time // when it was created or last went offline
	iceFailed    bool
	video        *forward // the console's camera, once its first packet arrived
	viewers      map[*viewer]struct{}
	warnedBad    bool // a malformed message has been logged
}

// channel is an open presence channel: pion's handle (for the queued amount) and the
// detached stream the hub reads and writes.
type channel struct {
	dc  *webrtc.DataChannel
	raw datachannel.ReadWriteCloser
}

// onState follows the connection's state. pion calls it on a new goroutine for each
// change, so it acts on the state the connection is in now, not on a stale one.
func (c *conn) onState(state webrtc.PeerConnectionState) {
	h := c.h
	now := h.cfg.Now()
	switch state {
	case webrtc.PeerConnectionStateConnected:
		h.mu.Lock()
		if c.live && c.pc.ConnectionState() == webrtc.PeerConnectionStateConnected {
			c.iceFailed = false
		}
		h.mu.Unlock()
	case webrtc.PeerConnectionStateDisconnected:
		// A blip: heartbeats decide whether it becomes an outage.
		h.log.Debug("console disconnected", "point", c.s.PointID, "conn", c.id)
	case webrtc.PeerConnectionStateFailed:
		h.mu.Lock()
		if c.live && c.pc.ConnectionState() == webrtc.PeerConnectionStateFailed && !c.iceFailed {
			c.iceFailed = true
			if c.online {
				h.offlineLocked(c, bridge.ReasonICEFailed, now)
			} else {
				c.waitingSince = now
			}
		}
		h.mu.Unlock()
	case webrtc.PeerConnectionStateClosed:
		// The console closed its side (DTLS close_notify), or the hub did.
		h.mu.Lock()
		h.endLocked(c, bridge.ReasonClosed, now)
		h.mu.Unlock()
	}
}

// onDataChannel takes the console's presence channel; any other channel is closed.
func (c *conn) onDataChannel(d *webrtc.DataChannel) {
	if d.Label() != presenceLabel {
		c.h.log.Debug("console opened an unknown channel", "point", c.s.PointID, "conn", c.id)
		_ = d.Close()
		return
	}
	d.OnOpen(func() {
		raw, err := d.Detach()
		if err != nil {
			c.h.log.Warn("detach presence channel", "point", c.s.PointID, "conn", c.id, "err", err)
			return
		}
		h := c.h
		h.mu.Lock()
		defer h.mu.Unlock()
		if !c.live || c.ch.raw != nil {
			_ = raw.Close()
			return
		}
		ch := channel{dc: d, raw: raw}
		if !h.spawnLocked(func() { c.readLoop(ch) }) {
			_ = raw.Close()
			return
		}
		c.ch = ch
		now := h.cfg.Now()
		if c.online {
			c.lastBeat = now
		} else {
			h.onlineLocked(c, now)
		}
	})
}

// readLoop reads the console's messages until the channel closes. It starts with a
// buffer that fits a heartbeat many times over and grows it, up to maxReadSize, only
// for a larger message; larger still is drained and dropped.
func (c *conn) readLoop(ch channel) {
	const small = 1 << 10
	buf := make([]byte, small)
	for {
		n, _, err := ch.raw.ReadDataChannel(buf)
		if errors.Is(err, io.ErrShortBuffer) {
			// The message is still queued; read it again with room for it.
			if len(buf) < maxReadSize {
				buf = make([]byte, min(4*len(buf), maxReadSize))
				continue
			}
			if !drain(ch.raw) {
				c.badMessage("message beyond the SCTP receive buffer; channel closed")
				break
			}
			c.badMessage(fmt.Sprintf("message over %d bytes", maxReadSize))
			buf = make([]byte, small)
			continue
		}
		if err != nil {
			break
		}
		c.handle(buf[:n])
		if len(buf) > small {
			buf = make([]byte, small)
		}
	}
	_ = ch.raw.Close()
	h := c.h
	h.mu.Lock()
	if c.ch.raw == ch.raw {
		c.ch = channel{}
	}
	h.mu.Unlock()
}

// drain reads and discards one message too large for any console message, with
// buffers growing up to pion's default SCTP receive buffer (no message can be larger).
func drain(raw datachannel.ReadWriteCloser) bool {
	for size := 4 * maxReadSize; size <= 1<<20; size *= 4 {
		_, _, err := raw.ReadDataChannel(make([]byte, size))
		if err == nil {
			return true
		}
		if !errors.Is(err, io.ErrShortBuffer) {
			return false
		}
	}
	return false
}

// consoleMessage is what a console sends: {"type":"heartbeat","headcount":N,
// "visible":true}, or {"type":"bye"} as its page closes.
type consoleMessage struct {
	Type      string `json:"type"`
	Headcount *int   `json:"headcount"`
	Visible   *bool  `json:"visible"`
}

// maxHeadcount bounds a plausible headcount (the largest hall holds a few thousand).
const maxHeadcount = 100_000

// handle acts on one console message. Malformed and unknown ones are counted and
// dropped, never fatal.
func (c *conn) handle(b []byte) {
	var m consoleMessage
	if err := json.Unmarshal(b, &m); err != nil {
		c.badMessage("malformed JSON")
		return
	}
	switch m.Type {
	case "heartbeat":
		hb := bridge.Heartbeat{}
		if m.Headcount != nil {
			if *m.Headcount < 0 || *m.Headcount > maxHeadcount {
				c.badMessage("headcount out of range")
				return
			}
			hb.Headcount = *m.Headcount
		}
		if m.Visible != nil {
			hb.Visible = *m.Visible
		}
		c.heartbeat(hb)
	case "bye":
		h := c.h
		h.mu.Lock()
		h.endLocked(c, bridge.ReasonClosed, h.cfg.Now())
		h.mu.Unlock()
	default:
		c.badMessage("unknown message type")
	}
}

// heartbeat records that the console is alive, bringing it back online if it was not.
func (c *conn) heartbeat(hb bridge.Heartbeat) {
	h := c.h
	now := h.cfg.Now()
	hb.At = now
	h.mu.Lock()
	defer h.mu.Unlock()
	if !c.live {
		return
	}
	c.lastBeat = now
	if !c.online {
		h.onlineLocked(c, now)
	}
	if now.Sub(c.lastBeatSent) >= minHeartbeatGap {
		c.lastBeatSent = now
		h.emitLocked(bridge.PresenceEvent{Kind: bridge.PresenceHeartbeat, Session: c.s, ConnID: c.id, At: now,
			Heartbeat: &hb})
	}
}

// badMessage counts a dropped message and logs the first one of the connection.
func (c *conn) badMessage(why string) {
	h := c.h
	h.dropped.Add(1)
	h.mu.Lock()
	first := !c.warnedBad
	c.warnedBad = true
	h.mu.Unlock()
	if first {
		h.log.Warn("console message dropped", "point", c.s.PointID, "conn", c.id, "why", why)
	}
}

// write sends one JSON text message on ch.
func (c *conn) write(ch channel, b []byte) error {
	if ch.dc.BufferedAmount() > maxQueued {
		return ErrSlowConsole
	}
	c.writing.Lock()
	defer c.writing.Unlock()
	if _, err := ch.raw.WriteDataChannel(b, true); err != nil {
		return fmt.Errorf("%w: %w", ErrNotConnected, err)
	}
	return nil
}

// endedMessage tells a console why the hub ended its connection, so that a replaced
// console stops reconnecting and one at a stopping server reconnects elsewhere.
type endedMessage struct {
	Type   string `json:"type"` // "ended"
	Reason string `json:"reason"`
}

// flushWait bounds how long closing waits for the notice to leave.
const flushWait = 250 * time.Millisecond

// close tells the console why (when notice is set and its channel is open), then closes
// the viewers of its camera and the connection itself.
func (c *conn) close(ch channel, notice string) {
	if notice != "" && ch.raw != nil {
		b, _ := json.Marshal(endedMessage{Type: "ended", Reason: notice})
		if c.write(ch, b) == nil {
			for deadline := time.Now().Add(flushWait); ch.dc.BufferedAmount() > 0 && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	h := c.h
	h.mu.Lock()
	viewers := c.viewers
	c.viewers, c.video = nil, nil
	for v := range viewers {
		v.ended = true
	}
	h.mu.Unlock()
	for v := range viewers {
		h.closePC(v.pc)
	}
	h.closePC(c.pc)
}
