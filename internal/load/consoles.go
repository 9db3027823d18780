package load

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// ConsolesConfig describes a console load run.
type ConsolesConfig struct {
	Base            string
	Login, Password string
	Consoles        int           // consoles to open, one per point
	Hold            time.Duration // steady state over which CPU is measured
	Drop            int           // consoles whose heartbeats stop, to time offline detection
	Subscribers     int           // board event-stream subscribers, to time event fan-out
	Concurrency     int           // console connections being set up at once
	Log             io.Writer
}

// ConsolesReport is what a console run measured.
type ConsolesReport struct {
	Connected      int
	Failed         int
	Connect        Summary // offer → data channel open
	HeapPerConsole float64 // bytes of server Go heap per console
	RSSPerConsole  float64
	GoroutinesPer  float64
	CPUPerConsole  float64 // fraction of a core per 1,000 consoles
	Offline        Summary // heartbeats stopped → offline event on the board's stream
	Fanout         Summary // event raised → received, over all subscribers
	SubscribersOK  int
}

func (r ConsolesReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "consoles connected %d (failed %d); connect %s\n", r.Connected, r.Failed, r.Connect)
	fmt.Fprintf(&b, "server per console: heap %.0f KB, RSS %.0f KB, %.1f goroutines; CPU %.1f%% of a core per 1,000 consoles\n",
		r.HeapPerConsole/1024, r.RSSPerConsole/1024, r.GoroutinesPer, r.CPUPerConsole*100)
	if r.Offline.Count > 0 {
		fmt.Fprintf(&b, "heartbeats stopped → offline on the board: %s\n", r.Offline)
	}
	if r.Fanout.Count > 0 {
		fmt.Fprintf(&b, "board event to %d subscribers: %s\n", r.SubscribersOK, r.Fanout)
	}
	return b.String()
}

// console is one simulated room screen.
type console struct {
	point  int64
	pc     *webrtc.PeerConnection
	dc     *webrtc.DataChannel
	silent atomic.Bool
}

// loopbackAPI is a pion API that gathers loopback candidates only, with mDNS off, as
// docs/testing.md requires of every load run.
func loopbackAPI() *webrtc.API {
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	return webrtc.NewAPI(webrtc.WithSettingEngine(se))
}

// Consoles opens one console per point of a fresh conference, holds them with
// heartbeats, and measures the server's cost per console, the time to see a silent
// console offline, and the fan-out of a board event.
func Consoles(ctx context.Context, cfg ConsolesConfig) (ConsolesReport, error) {
	var rep ConsolesReport
	if cfg.Consoles <= 0 {
		cfg.Consoles = 100
	}
	if cfg.Hold <= 0 {
		cfg.Hold = 10 * time.Second
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 32
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	admin := &Client{Base: cfg.Base, HTTP: NewHTTPClient(64, false)}
	if err := admin.Login(ctx, cfg.Login, cfg.Password); err != nil {
		return rep, err
	}
	// One point per console, its chi bộ's secretary signs in at it.
	fx, err := setupConference(ctx, admin, cfg.Consoles, 1, "Bí thư", cfg.Log)
	if err != nil {
		return rep, err
	}
	before, err := serverStats(ctx, admin)
	if err != nil {
		return rep, err
	}

	// The board's event stream, to see consoles go online and offline.
	events := make(chan boardEvent, 100_000)
	sctx, stopStreams := context.WithCancel(ctx)
	defer stopStreams()
	if err := stream(sctx, admin, fx.conference, events); err != nil {
		return rep, err
	}

	api := loopbackAPI()
	// Each console beats from the moment it connects, as a real one does: one that
	// waited for the others would rightly be called offline.
	hbCtx, stopBeats := context.WithCancel(ctx)
	defer stopBeats()
	consoles := make([]*console, len(fx.members))
	var (
		connectLat Latencies
		failed     atomic.Int64
		wg         sync.WaitGroup
		sem        = make(chan struct{}, cfg.Concurrency)
	)
	for i, m := range fx.members {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, d, err := openConsole(ctx, api, cfg.Base, m.code, m.point)
			if err != nil {
				failed.Add(1)
				fmt.Fprintf(cfg.Log, "console %d: %v\n", i, err)
				return
			}
			consoles[i] = c
			connectLat.Add(d)
			go c.beat(hbCtx)
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range consoles {
			if c != nil {
				c.pc.Close()
			}
		}
	}()
	rep.Failed = int(failed.Load())
	rep.Connected = len(consoles) - rep.Failed
	rep.Connect = connectLat.Summary()
	fmt.Fprintf(cfg.Log, "%d consoles connected, holding %s\n", rep.Connected, cfg.Hold)

	// Heartbeats every 2 s from every console while the server's cost is measured.
	time.Sleep(3 * time.Second)
	mid, err := serverStats(ctx, admin)
	if err != nil {
		return rep, err
	}
	time.Sleep(cfg.Hold)
	after, err := serverStats(ctx, admin)
	if err != nil {
		return rep, err
	}
	if n := float64(rep.Connected); n > 0 {
		rep.HeapPerConsole = (mid.heap - before.heap) / n
		rep.RSSPerConsole = (mid.rss - before.rss) / n
		rep.GoroutinesPer = (mid.goroutines - before.goroutines) / n
		rep.CPUPerConsole = (after.cpu - mid.cpu) / cfg.Hold.Seconds() / n * 1000
	}

	// Drop some consoles: their heartbeats stop (a room whose screen froze or lost the
	// network); time until the board sees them offline.
	drop := min(cfg.Drop, rep.Connected)
	if drop > 0 {
		stoppedAt := map[int64]time.Time{}
		for _, c := range consoles {
			if c != nil && len(stoppedAt) < drop {
				c.silent.Store(true)
				stoppedAt[c.point] = time.Now()
			}
		}
		var off Latencies
		deadline := time.After(30 * time.Second)
	wait:
		for len(stoppedAt) > 0 {
			select {
			case ev := <-events:
				if t, ok := stoppedAt[ev.PointID]; ok && ev.Type == "offline" && ev.received.After(t) {
					off.Add(ev.received.Sub(t))
					delete(stoppedAt, ev.PointID)
				}
			case <-deadline:
				fmt.Fprintf(cfg.Log, "%d consoles never seen offline\n", len(stoppedAt))
				break wait
			}
		}
		rep.Offline = off.Summary()
	}

	if cfg.Subscribers > 0 {
		rep.Fanout, rep.SubscribersOK, err = fanout(ctx, admin, fx, cfg.Subscribers, cfg.Log)
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// openConsole signs in as a point's chair and connects its console: one offer with
// every candidate, one answer; it returns when the presence channel is open.
func openConsole(ctx context.Context, api *webrtc.API, base, code string, point int64) (*console, time.Duration, error) {
	c := &Client{Base: base, HTTP: NewHTTPClient(2, false)}
	var tok struct {
		Token string `json:"token"`
	}
	if err := c.Do(ctx, http.MethodPost, "/api/v1/auth/login", map[string]string{"memberCode": code, "pin": loadPIN}, &tok); err != nil {
		return nil, 0, fmt.Errorf("sign in: %w", err)
	}
	c.Token = tok.Token
	start := time.Now()
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, 0, err
	}
	dc, err := pc.CreateDataChannel("presence", nil)
	if err != nil {
		pc.Close()
		return nil, 0, err
	}
	open := make(chan struct{})
	dc.OnOpen(func() { close(open) })
	offer, err := pc.CreateOffer(nil)
	if err == nil {
		err = pc.SetLocalDescription(offer)
	}
	if err != nil {
		pc.Close()
		return nil, 0, err
	}
	<-webrtc.GatheringCompletePromise(pc)
	var ans struct {
		SDP string `json:"sdp"`
	}
	err = c.Do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/points/%d/signal", point),
		map[string]string{"type": "offer", "sdp": pc.LocalDescription().SDP, "connId": "load" + randomKey()}, &ans)
	if err == nil {
		err = pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ans.SDP})
	}
	if err != nil {
		pc.Close()
		return nil, 0, err
	}
	select {
	case <-open:
	case <-time.After(20 * time.Second):
		pc.Close()
		return nil, 0, errors.New("presence channel did not open")
	case <-ctx.Done():
		pc.Close()
		return nil, 0, ctx.Err()
	}
	return &console{point: point, pc: pc, dc: dc}, time.Since(start), nil
}

// beat sends a heartbeat every 2 s until ctx ends or the console goes silent.
func (c *console) beat(ctx context.Context) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	msg := []byte(`{"type":"heartbeat","headcount":20,"visible":true}`)
	for {
		if !c.silent.Load() {
			c.dc.Send(msg)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// boardEvent is an event read from the board's stream, with when it arrived.
type boardEvent struct {
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	PointID  int64     `json:"pointId"`
	At       time.Time `json:"at"`
	received time.Time
}

// stream reads a conference's event stream into out until ctx ends.
func stream(ctx context.Context, c *Client, conference int64, out chan<- boardEvent) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/conferences/%d/events", c.Base, conference), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := (&http.Client{Transport: c.HTTP.Transport}).Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return &StatusError{Status: resp.StatusCode}
	}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev boardEvent
				if json.Unmarshal([]byte(data), &ev) == nil {
					ev.received = time.Now()
					select {
					case out <- ev:
					default:
					}
				}
			}
		}
	}()
	return nil
}

// fanout opens n event streams, raises one event (a roll call of every point) and
// times its arrival at each stream.
func fanout(ctx context.Context, admin *Client, fx fixture, n int, log io.Writer) (Summary, int, error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: 0}
	sub := &Client{Base: admin.Base, Token: admin.Token, HTTP: &http.Client{Transport: tr}}
	chans := make([]chan boardEvent, n)
	for i := range chans {
		chans[i] = make(chan boardEvent, 1024)
		if err := stream(sctx, sub, fx.conference, chans[i]); err != nil {
			return Summary{}, 0, fmt.Errorf("subscriber %d: %w", i, err)
		}
	}
	fmt.Fprintf(log, "%d board subscribers connected\n", n)
	time.Sleep(500 * time.Millisecond)
	var rc struct {
		ID int64 `json:"id"`
	}
	sent := time.Now()
	if err := admin.Do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/conferences/%d/rollcalls", fx.conference), map[string]any{}, &rc); err != nil {
		return Summary{}, 0, err
	}
	var lat Latencies
	var ok atomic.Int64
	var wg sync.WaitGroup
	for _, ch := range chans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			deadline := time.After(10 * time.Second)
			for {
				select {
				case ev := <-ch:
					if ev.Type == "rollcall" {
						lat.Add(ev.received.Sub(sent))
						ok.Add(1)
						return
					}
				case <-deadline:
					return
				}
			}
		}()
	}
	wg.Wait()
	return lat.Summary(), int(ok.Load()), nil
}

// stats are the server's own figures from /metrics.
type stats struct{ heap, rss, goroutines, cpu float64 }

func serverStats(ctx context.Context, c *Client) (stats, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+"/metrics", nil)
	if err != nil {
		return stats{}, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return stats{}, err
	}
	defer resp.Body.Close()
	var s stats
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			continue
		}
		switch name {
		case "go_memstats_heap_inuse_bytes":
			s.heap = v
		case "process_resident_memory_bytes":
			s.rss = v
		case "go_goroutines":
			s.goroutines = v
		case "process_cpu_seconds_total":
			s.cpu = v
		}
	}
	return s, sc.Err()
}
