package rtc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// Config is how the hub listens and when it calls a console offline. The zero value
// with Loopback set is what tests use.
type Config struct {
	// UDPPort is the one UDP port shared by every console connection (ICE UDP mux).
	// 0 lets the system pick a free port (tests); see Hub.UDPAddr.
	UDPPort int
	// TCPPort is the one TCP port for ICE-TCP, the fallback for rooms whose network
	// blocks UDP. 0 lets the system pick a free port (tests); a negative value turns
	// ICE-TCP off.
	TCPPort int
	// Loopback gathers loopback candidates only, with mDNS off, and binds both ports to
	// 127.0.0.1 (DIEMCAU_WEBRTC_LOOPBACK=1: tests and load runs, docs/testing.md). Otherwise
	// the UDP port is opened on every interface address and the TCP port on all.
	Loopback bool
	// NAT1To1IPs are the public addresses to announce instead of the host's own (a
	// server behind 1:1 NAT, such as a cloud VM with an elastic IP).
	NAT1To1IPs []string
	// ICEServers are the STUN and TURN servers for consoles (see Hub.ICEServers). The
	// hub itself does not gather through them: it answers with complete gathering, so a
	// STUN round trip would delay every answer, and a server's reachable address is its
	// own or one of NAT1To1IPs.
	ICEServers []webrtc.ICEServer
	// PresenceTimeout is how long a console may send no heartbeat before it is
	// offline. Default 5 s.
	PresenceTimeout time.Duration
	// ICEDisconnectedTimeout, ICEFailedTimeout and ICEKeepalive are pion's ICE timeouts:
	// no traffic for the first makes ICE disconnected, the second more makes it failed.
	// Defaults 3 s, 5 s and 1 s (docs/design.md §22: a killed peer is seen in ~3 s).
	ICEDisconnectedTimeout time.Duration
	ICEFailedTimeout       time.Duration
	ICEKeepalive           time.Duration
	// Linger is how long a connection that is offline (ICE failed, heartbeats stopped)
	// or never came online is kept for an ICE restart or resumed heartbeats before the
	// hub closes it. Default 30 s.
	Linger time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Defaults of Config.
const (
	DefaultPresenceTimeout        = 5 * time.Second
	DefaultICEDisconnectedTimeout = 3 * time.Second
	DefaultICEFailedTimeout       = 5 * time.Second
	DefaultICEKeepalive           = 1 * time.Second
	DefaultLinger                 = 30 * time.Second
)

func (c *Config) setDefaults() {
	if c.PresenceTimeout <= 0 {
		c.PresenceTimeout = DefaultPresenceTimeout
	}
	if c.ICEDisconnectedTimeout <= 0 {
		c.ICEDisconnectedTimeout = DefaultICEDisconnectedTimeout
	}
	if c.ICEFailedTimeout <= 0 {
		c.ICEFailedTimeout = DefaultICEFailedTimeout
	}
	if c.ICEKeepalive <= 0 {
		c.ICEKeepalive = DefaultICEKeepalive
	}
	if c.Linger <= 0 {
		c.Linger = DefaultLinger
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// transport is what every connection of a hub shares: the muxed sockets and the two
// pion APIs built on them.
type transport struct {
	udpMux  ice.UDPMux
	udpAddr net.Addr
	tcpMux  ice.TCPMux
	tcpAddr net.Addr
	// data is the lean API for consoles that only open the presence channel: no media
	// codecs, no interceptors (docs/design.md §22: ~148 KB and 18 goroutines a console).
	data *webrtc.API
	// media is the API for consoles that also send their camera, and for the viewers
	// the hub forwards it to: VP8 and H.264 with NACK and RTCP reports.
	media *webrtc.API
}

// newTransport opens the shared sockets and builds the APIs on them.
func newTransport(cfg Config, log *slog.Logger) (*transport, error) {
	t := &transport{}
	pionLog := pionLoggerFactory{log: log}
	if err := t.listen(cfg, pionLog); err != nil {
		t.close()
		return nil, err
	}

	var se webrtc.SettingEngine
	se.LoggerFactory = pionLog
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetICETimeouts(cfg.ICEDisconnectedTimeout, cfg.ICEFailedTimeout, cfg.ICEKeepalive)
	se.SetICEUDPMux(t.udpMux)
	networks := []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6}
	if t.tcpMux != nil {
		se.SetICETCPMux(t.tcpMux)
		networks = append(networks, webrtc.NetworkTypeTCP4, webrtc.NetworkTypeTCP6)
	}
	// The server only listens: it never dials a console over TCP.
	se.DisableActiveTCP(true)
	if cfg.Loopback {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		networks = []webrtc.NetworkType{webrtc.NetworkTypeUDP4}
		if t.tcpMux != nil {
			networks = append(networks, webrtc.NetworkTypeTCP4)
		}
	}
	se.SetNetworkTypes(networks)
	if len(cfg.NAT1To1IPs) > 0 {
		// SetICEAddressRewriteRules replaces the deprecated SetNAT1To1IPs; one rule that
		// replaces every host address with the public ones is the same thing.
		if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External:        cfg.NAT1To1IPs,
			AsCandidateType: webrtc.ICECandidateTypeHost,
			Mode:            webrtc.ICEAddressRewriteReplace,
		}); err != nil {
			t.close()
			return nil, fmt.Errorf("rtc: NAT 1:1 addresses: %w", err)
		}
	}
	// Consoles read presence messages through detached channels with a buffer sized
	// for them, not pion's 64 KiB one per channel; the advertised maximum tells the
	// browser not to send more than the hub reads.
	se.DetachDataChannels()
	se.SetSCTPMaxMessageSize(maxReadSize)

	t.data = webrtc.NewAPI(webrtc.WithSettingEngine(se),
		webrtc.WithMediaEngine(&webrtc.MediaEngine{}),
		webrtc.WithInterceptorRegistry(&interceptor.Registry{}))

	me, reg, err := mediaEngine()
	if err != nil {
		t.close()
		return nil, err
	}
	t.media = webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(me),
		webrtc.WithInterceptorRegistry(reg))
	return t, nil
}

// listen opens the UDP port and, unless turned off, the TCP port.
func (t *transport) listen(cfg Config, pionLog pionLoggerFactory) error {
	if cfg.UDPPort < 0 || cfg.UDPPort > 65535 || cfg.TCPPort > 65535 {
		return fmt.Errorf("rtc: ports %d/udp %d/tcp out of range", cfg.UDPPort, cfg.TCPPort)
	}
	if cfg.Loopback {
		conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: cfg.UDPPort})
		if err != nil {
			return fmt.Errorf("rtc: listen UDP: %w", err)
		}
		t.udpMux = ice.NewUDPMuxDefault(ice.UDPMuxParams{Logger: pionLog.NewLogger("udpmux"), UDPConn: conn})
		t.udpAddr = conn.LocalAddr()
	} else {
		mux, err := ice.NewMultiUDPMuxFromPort(cfg.UDPPort,
			ice.UDPMuxFromPortWithLogger(pionLog.NewLogger("udpmux")))
		if err != nil {
			return fmt.Errorf("rtc: listen UDP port %d: %w", cfg.UDPPort, err)
		}
		t.udpMux = mux
		if addrs := mux.GetListenAddresses(); len(addrs) > 0 {
			t.udpAddr = addrs[0]
		}
	}
	if cfg.TCPPort < 0 {
		return nil
	}
	addr := &net.TCPAddr{Port: cfg.TCPPort}
	network := "tcp"
	if cfg.Loopback {
		addr.IP, network = net.IPv4(127, 0, 0, 1), "tcp4"
	}
	ln, err := net.ListenTCP(network, addr)
	if err != nil {
		return fmt.Errorf("rtc: listen TCP: %w", err)
	}
	t.tcpMux = webrtc.NewICETCPMux(pionLog.NewLogger("tcpmux"), ln, 8)
	t.tcpAddr = ln.Addr()
	return nil
}

func (t *transport) close() error {
	var errs []error
	if t.udpMux != nil {
		errs = append(errs, t.udpMux.Close())
	}
	if t.tcpMux != nil {
		errs = append(errs, t.tcpMux.Close())
	}
	return errors.Join(errs...)
}

// mediaEngine registers the video codecs a console camera may send and a viewer may
// receive, and the interceptors forwarding needs: NACK (retransmit lost packets) and
// RTCP reports. No audio: nothing in the room view needs it.
func mediaEngine() (*webrtc.MediaEngine, *interceptor.Registry, error) {
	me := &webrtc.MediaEngine{}
	fb := []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"},
		{Type: "nack"}, {Type: "nack", Parameter: "pli"}}
	for _, c := range []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
			RTCPFeedback: fb}, PayloadType: 96},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine:  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
			RTCPFeedback: fb}, PayloadType: 102},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine:  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
			RTCPFeedback: fb}, PayloadType: 104},
	} {
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, nil, fmt.Errorf("rtc: register codec %s: %w", c.MimeType, err)
		}
	}
	reg := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(me, reg); err != nil {
		return nil, nil, fmt.Errorf("rtc: NACK: %w", err)
	}
	if err := webrtc.ConfigureRTCPReports(reg); err != nil {
		return nil, nil, fmt.Errorf("rtc: RTCP reports: %w", err)
	}
	return me, reg, nil
}

// newCertificate makes the DTLS certificate every connection of the hub presents;
// one for all saves an ECDSA key generation per console.
func newCertificate() (*webrtc.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("rtc: certificate key: %w", err)
	}
	cert, err := webrtc.GenerateCertificate(key)
	if err != nil {
		return nil, fmt.Errorf("rtc: certificate: %w", err)
	}
	return cert, nil
}
