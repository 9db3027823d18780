package rtc

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/diemcau/diemcau/bridge"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// sendFakeVideo writes a fake VP8 frame every 33 ms until stop closes. The payload
// need not decode: the hub forwards packets without looking inside.
func sendFakeVideo(track *webrtc.TrackLocalStaticSample, stop <-chan struct{}) {
	frame := make([]byte, 3000) // two or three packets a frame
	for i := range frame {
		frame[i] = byte(i)
	}
	t := time.NewTicker(33 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			_ = track.WriteSample(media.Sample{Data: frame, Duration: 33 * time.Millisecond})
		}
	}
}

func TestHub_Watch(t *testing.T) {
	watchdog(t, 30*time.Second)
	h, rec := newTestHub(t, testConfig())
	base := stableGoroutines()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// The console sends its camera besides the presence channel.
	console := newClient(t, pointA, clientOptions{media: true})
	cam, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "camera", "room")
	if err != nil {
		t.Fatal(err)
	}
	camTr, err := console.pc.AddTransceiverFromTrack(cam,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		t.Fatal(err)
	}
	keyframe := make(chan struct{}, 1)
	go func() {
		for {
			pkts, _, err := camTr.Sender().ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				if _, ok := p.(*rtcp.PictureLossIndication); ok {
					select {
					case keyframe <- struct{}{}:
					default:
					}
				}
			}
		}
	}()
	console.connect(h)
	rec.wait(t, console.id, bridge.PresenceOnline, 5*time.Second)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); sendFakeVideo(cam, stop) }()
	var stopOnce sync.Once
	stopVideo := func() { stopOnce.Do(func() { close(stop); <-done }) }
	defer stopVideo()

	// The viewer receives only.
	api, _, viewerMux := loopbackAPI(t, clientOptions{media: true})
	viewer, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer viewer.Close()
	if _, err := viewer.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	packets := make(chan int, 1)
	viewer.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		n := 0
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			if n++; n == 30 {
				packets <- n
			}
		}
	})
	viewerClosed := make(chan struct{})
	viewer.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateClosed || s == webrtc.PeerConnectionStateFailed {
			select {
			case <-viewerClosed:
			default:
				close(viewerClosed)
			}
		}
	})
	offer, err := viewer.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(viewer)
	if err := viewer.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered

	t.Run("ErrNotConnected", func(t *testing.T) {
		if _, err := h.Watch(ctx, 999, viewer.LocalDescription().SDP); !errors.Is(err, ErrNotConnected) {
			t.Errorf("Watch of a point without a console: got %v, want ErrNotConnected", err)
		}
	})

	// The hub has the camera once its first packet arrived.
	var answer string
	for {
		answer, err = h.Watch(ctx, pointA.PointID, viewer.LocalDescription().SDP)
		if !errors.Is(err, ErrNoVideo) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	if err := viewer.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-packets:
	case <-time.After(10 * time.Second):
		t.Fatal("viewer received fewer than 30 RTP packets in 10 s")
	}
	select {
	case <-keyframe:
	case <-time.After(5 * time.Second):
		t.Error("the console was not asked for a keyframe when the viewer joined")
	}
	if st := h.Stats(); st.Video != 1 || st.Viewers != 1 {
		t.Errorf("Stats: got %+v, want one camera and one viewer", st)
	}

	// The viewer ends with the console.
	console.close()
	rec.wait(t, console.id, bridge.PresenceOffline, 3*time.Second)
	select {
	case <-viewerClosed:
	case <-time.After(10 * time.Second):
		t.Error("viewer still connected 10 s after the console left")
	}
	if st := h.Stats(); st.Viewers != 0 || st.Video != 0 {
		t.Errorf("Stats: got %+v, want no camera and no viewers", st)
	}
	stopVideo()
	viewer.Close()
	viewerMux.Close()
	settleGoroutines(t, base, 5*time.Second)
}

func TestHub_Watch_NoVideo(t *testing.T) {
	watchdog(t, 20*time.Second)
	h, rec := newTestHub(t, testConfig())
	c := newClient(t, pointA, clientOptions{})
	c.connect(h)
	rec.wait(t, c.id, bridge.PresenceOnline, 5*time.Second)
	probe := newClient(t, pointB, clientOptions{media: true})
	if _, err := probe.pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Watch(context.Background(), pointA.PointID, probe.offer(false)); !errors.Is(err, ErrNoVideo) {
		t.Errorf("Watch of a data-only console: got %v, want ErrNoVideo", err)
	}
}
