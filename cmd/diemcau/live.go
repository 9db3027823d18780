package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/bridge"
	"github.com/diemcau/diemcau/bridge/pgbus"
	"github.com/diemcau/diemcau/bridge/rtc"
	"github.com/pion/webrtc/v4"
)

// live is the live side of an instance: the event bus (relayed through PostgreSQL
// when there is one), the presence tracker and the consoles' WebRTC hub.
type live struct {
	ctx     context.Context
	bus     *bridge.Bus
	tracker *bridge.Tracker
	hub     *rtc.Hub
	relay   *pgbus.Relay
	stop    func()
}

// startLive starts the bus, the tracker and (unless turned off) the hub. stop closes
// the hub first, so its consoles' intervals end with reason "shutdown" and are written
// before the tracker stops.
func startLive(ctx context.Context, cfg config, db *sqlstore.DB, log *slog.Logger) (*live, error) {
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l := &live{ctx: lctx}
	var id [6]byte
	rand.Read(id[:])
	origin := hex.EncodeToString(id[:])
	var relay bridge.Relay
	if db.Dialect() == "postgres" {
		r, err := pgbus.New(lctx, cfg.DatabaseURL, log)
		if err != nil {
			cancel()
			return nil, err
		}
		l.relay, relay = r, r
	}
	l.bus = bridge.NewBus(origin, relay)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); l.bus.Run(lctx) }()
	l.tracker = bridge.NewTracker(db, l.bus, log, 5*time.Second)
	trackerCtx, stopTracker := context.WithCancel(lctx)
	go func() { defer wg.Done(); l.tracker.Run(trackerCtx) }()

	if cfg.WebRTC {
		tcp := cfg.TCPPort
		if tcp == 0 {
			tcp = -1
		}
		rc := rtc.Config{UDPPort: cfg.UDPPort, TCPPort: tcp, Loopback: cfg.Loopback, NAT1To1IPs: cfg.NATIPs,
			PresenceTimeout: cfg.PresenceTO}
		for _, s := range cfg.ICEServers {
			rc.ICEServers = append(rc.ICEServers, webrtc.ICEServer{URLs: []string{s.URL}, Username: s.Username,
				Credential: s.Credential})
		}
		hub, err := rtc.NewHub(rc, l.tracker, log)
		if err != nil {
			stopTracker()
			cancel()
			wg.Wait()
			return nil, fmt.Errorf("webrtc: %w (set DIEMCAU_WEBRTC_UDP_PORT, or DIEMCAU_WEBRTC=0)", err)
		}
		l.hub = hub
		log.Info("consoles", "udp", hub.UDPAddr(), "tcp", hub.TCPAddr(), "loopback", cfg.Loopback,
			"nat", strings.Join(cfg.NATIPs, ","))
	}
	l.stop = func() {
		if l.hub != nil {
			if err := l.hub.Close(); err != nil {
				log.Warn("close consoles", "err", err)
			}
		}
		stopTracker()
		cancel()
		wg.Wait()
		if l.relay != nil {
			l.relay.Close()
		}
	}
	return l, nil
}
