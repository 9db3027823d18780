package rtc

import (
	"context"
	"errors"
	"io"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// forward fans a console's camera out to its viewers: every RTP packet from the
// console is written once to a local track that each viewer's connection is bound to.
// Nothing is decoded or recorded.
type forward struct {
	track   *webrtc.TrackLocalStaticRTP
	ssrc    uint32
	lastPLI atomic.Int64 // unix nanoseconds of the last keyframe request
}

// viewer is an organizer's or supervisor's connection watching one console.
type viewer struct {
	c     *conn
	pc    *webrtc.PeerConnection
	ended bool // guarded by h.mu
}

// keyframeGap spaces keyframe requests to a console: a viewer joining or losing
// packets asks for one, many viewers at once get one.
const keyframeGap = 500 * time.Millisecond

// onTrack takes the console's camera. pion calls it on its own goroutine, which then
// forwards packets until the console's connection closes.
func (c *conn) onTrack(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	if remote.Kind() != webrtc.RTPCodecTypeVideo {
		return
	}
	h := c.h
	track, err := webrtc.NewTrackLocalStaticRTP(remote.Codec().RTPCodecCapability, "video",
		"point-"+strconv.FormatInt(c.s.PointID, 10))
	if err != nil {
		h.log.Warn("forward console video", "point", c.s.PointID, "err", err)
		return
	}
	fw := &forward{track: track, ssrc: uint32(remote.SSRC())}
	h.mu.Lock()
	if !c.live || c.video != nil || h.closed {
		h.mu.Unlock()
		return
	}
	c.video = fw
	h.work.Add(1) // c is live, so Close has not begun waiting.
	h.mu.Unlock()
	defer h.work.Done()
	h.log.Debug("console video", "point", c.s.PointID, "conn", c.id, "codec", remote.Codec().MimeType)

	buf := make([]byte, 1500)
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			break
		}
		if _, err := track.Write(buf[:n]); err != nil && !errors.Is(err, io.ErrClosedPipe) {
			break
		}
	}
	h.mu.Lock()
	if c.video == fw {
		c.video = nil
	}
	h.mu.Unlock()
}

// Watch connects a viewer to the camera of a point's console: viewerOfferSDP is the
// viewer's offer with a video transceiver it receives on (recvonly), and the answer
// comes back with complete gathering. The viewer ends when the console's connection
// does; it cannot be restarted (watch again).
//
// Watch returns ErrBadOffer, ErrNotConnected (no console), ErrNoVideo (the console
// sends no camera), ErrConnGone (the console went away meanwhile), ErrClosed, or
// ctx's error.
func (h *Hub) Watch(ctx context.Context, pointID int64, viewerOfferSDP string) (string, error) {
	offer, _, err := parseOffer(viewerOfferSDP)
	if err != nil {
		return "", err
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return "", ErrClosed
	}
	c := h.points[pointID]
	var fw *forward
	if c != nil {
		fw = c.video
	}
	cert, err := h.certificateLocked()
	h.mu.Unlock()
	switch {
	case err != nil:
		return "", err
	case c == nil:
		return "", ErrNotConnected
	case fw == nil:
		return "", ErrNoVideo
	}

	pc, err := h.tr.media.NewPeerConnection(webrtc.Configuration{Certificates: []webrtc.Certificate{*cert}})
	if err != nil {
		return "", err
	}
	sender, err := pc.AddTrack(fw.track)
	if err != nil {
		h.closePC(pc)
		return "", err
	}
	v := &viewer{c: c, pc: pc}
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateClosed {
			h.endViewer(v)
		}
	})
	answer, err := negotiate(ctx, pc, offer)
	if err != nil {
		h.closePC(pc)
		return "", err
	}
	h.mu.Lock()
	if !c.live || c.video != fw || v.ended {
		h.mu.Unlock()
		h.closePC(pc)
		return "", ErrConnGone
	}
	if c.viewers == nil {
		c.viewers = make(map[*viewer]struct{})
	}
	c.viewers[v] = struct{}{}
	// Reading the viewer's RTCP feeds the NACK interceptor (retransmissions) and
	// carries its keyframe requests to the console.
	h.spawnLocked(func() {
		for {
			pkts, _, err := sender.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				switch p.(type) {
				case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
					c.requestKeyframe(fw)
				}
			}
		}
	})
	h.mu.Unlock()
	c.requestKeyframe(fw)
	h.log.Info("viewer watching console", "point", pointID, "conn", c.id)
	return answer, nil
}

// endViewer removes v and closes its connection.
func (h *Hub) endViewer(v *viewer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if v.ended {
		return
	}
	v.ended = true
	delete(v.c.viewers, v)
	h.spawnLocked(func() { h.closePC(v.pc) })
	h.log.Info("viewer left", "point", v.c.s.PointID, "conn", v.c.id)
}

// requestKeyframe asks the console for a keyframe, at most once per keyframeGap.
func (c *conn) requestKeyframe(fw *forward) {
	now := c.h.cfg.Now().UnixNano()
	last := fw.lastPLI.Load()
	if now-last < int64(keyframeGap) || !fw.lastPLI.CompareAndSwap(last, now) {
		return
	}
	if err := c.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: fw.ssrc}}); err != nil {
		c.h.log.Debug("keyframe request", "point", c.s.PointID, "err", err)
	}
}
