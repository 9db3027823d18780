package rtc

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diemcau/diemcau/bridge"
)

// BenchmarkHub_Connect measures console connections set up and torn down, one after
// another: the client's offer with complete gathering, the hub's answer, ICE, DTLS,
// SCTP and the presence channel opening, then a close. Both sides run in this process
// on loopback, so the figure is a floor for the server's rate. The parallel case runs
// GOMAXPROCS handshakes at once.
func BenchmarkHub_Connect(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		h, _ := newTestHub(b, testConfig())
		for i := 0; b.Loop(); i++ {
			c := newClient(b, bridge.Session{ConferenceID: 1, PointID: int64(i + 1), ChairMemberID: 1}, clientOptions{})
			c.connect(h)
			c.close()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conns/s")
	})
	b.Run("parallel", func(b *testing.B) {
		h, _ := newTestHub(b, testConfig())
		var seq sync.Mutex
		point := int64(0)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				seq.Lock()
				point++
				p := point
				seq.Unlock()
				c := newClient(b, bridge.Session{ConferenceID: 1, PointID: p, ChairMemberID: 1}, clientOptions{})
				c.connect(h)
				c.close()
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conns/s")
	})
}

// TestHub_Footprint measures what each console costs the server: heap, goroutines
// and connection set-up time, with 200 consoles (DIEMCAU_RTC_CONSOLES to change) held
// open by a child process, so that only the hub's side is counted. It runs only with
// DIEMCAU_RTC_MEASURE=1; record its figures in docs/benchmarks.md.
func TestHub_Footprint(t *testing.T) {
	if os.Getenv("DIEMCAU_RTC_MEASURE") != "1" {
		t.Skip("set DIEMCAU_RTC_MEASURE=1 to measure heap and goroutines per console")
	}
	n := 200
	if v, err := strconv.Atoi(os.Getenv("DIEMCAU_RTC_CONSOLES")); err == nil && v > 0 {
		n = v
	}
	watchdog(t, 5*time.Minute)
	cfg := testConfig()
	cfg.PresenceTimeout = 10 * time.Second
	h, _ := newTestHub(t, cfg)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		point, _ := strconv.ParseInt(q.Get("point"), 10, 64)
		offer, _ := io.ReadAll(io.LimitReader(r.Body, MaxOfferSize+1))
		answer, err := h.Answer(r.Context(), bridge.Session{ConferenceID: 1, PointID: point, ChairMemberID: 1},
			q.Get("id"), string(offer))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		io.WriteString(w, answer)
	}))
	defer srv.Close()

	heap0, gr0 := heapInUse(), stableGoroutines()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperConsoles$", "-test.v")
	cmd.Env = append(os.Environ(), "DIEMCAU_RTC_HELPER_URL="+srv.URL, "DIEMCAU_RTC_CONSOLES="+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		line := lines.Text()
		if strings.HasPrefix(line, "CONNECT ") {
			t.Log(line)
		}
		if line == "READY" {
			break
		}
	}
	deadline := time.Now().Add(time.Minute)
	for h.Stats().Online < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d consoles online", h.Stats().Online, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // a few heartbeats and keepalives
	heap1 := heapInUse()
	// The test server's keep-alive connections from the child count as goroutines too
	// (two each); close them first.
	srv.CloseClientConnections()
	time.Sleep(200 * time.Millisecond)
	gr1 := runtime.NumGoroutine()
	t.Logf("%d consoles: heap %.0f KB/console, %.1f goroutines/console (hub side only); %+v",
		n, float64(heap1-heap0)/float64(n)/1024, float64(gr1-gr0)/float64(n), h.Stats())

	// Idle cost per console: the hub's ICE keepalive every second, the console's every
	// 2.5 s, a heartbeat every 2 s.
	const idle = 10 * time.Second
	cpu0, ok := processCPU()
	time.Sleep(idle)
	if cpu1, ok2 := processCPU(); ok && ok2 {
		share := (cpu1 - cpu0).Seconds() / idle.Seconds()
		t.Logf("idle: %.1f %% of a core for %d consoles, %.1f %% per 1,000", 100*share, n, 100*share*1000/float64(n))
	}
}

// processCPU returns the user and system CPU time of this process from /proc (Linux;
// USER_HZ is 100 there).
func processCPU() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, true
}

// heapInUse returns the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestHelperConsoles is the child process of TestHub_Footprint: it connects the
// consoles through the parent's HTTP signalling, keeps them alive with heartbeats, and
// closes them when its standard input closes.
func TestHelperConsoles(t *testing.T) {
	base := os.Getenv("DIEMCAU_RTC_HELPER_URL")
	if base == "" {
		t.Skip("child process of TestHub_Footprint")
	}
	n, _ := strconv.Atoi(os.Getenv("DIEMCAU_RTC_CONSOLES"))
	answer := func(ctx context.Context, s bridge.Session, id, offer string) (string, error) {
		u := fmt.Sprintf("%s/?point=%d&id=%s", base, s.PointID, url.QueryEscape(id))
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(offer))
		if err != nil {
			return "", err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("signal: %s: %s", resp.Status, b)
		}
		return string(b), err
	}
	const workers = 8
	times := make([]time.Duration, n)
	clients := make([]*client, n)
	var wg sync.WaitGroup
	start := time.Now()
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				// Keepalives as often as Chrome's on a stable connection.
				c := newClient(t, bridge.Session{ConferenceID: 1, PointID: int64(i + 1), ChairMemberID: 1},
					clientOptions{keepalive: 2500 * time.Millisecond})
				c.connectWith(answer)
				times[i] = time.Since(t0)
				c.heartbeats(2 * time.Second)
				clients[i] = c
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	total := time.Since(start)
	slices.Sort(times)
	fmt.Printf("CONNECT n=%d workers=%d total=%v rate=%.0f/s p50=%v p99=%v max=%v\n", n, workers,
		total.Round(time.Millisecond), float64(n)/total.Seconds(), times[n/2].Round(time.Millisecond),
		times[n*99/100].Round(time.Millisecond), times[n-1].Round(time.Millisecond))
	fmt.Println("READY")
	io.Copy(io.Discard, os.Stdin)
}
