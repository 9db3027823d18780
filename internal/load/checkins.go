package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// CheckinsConfig describes a check-in load run.
type CheckinsConfig struct {
	Base            string
	Login, Password string
	// Rate is the arrivals per second to offer (open loop); Members defaults to
	// Rate × Duration, each member checking in once.
	Rate     float64
	Duration time.Duration
	Members  int
	// PerPoint is how many members share a point (default 200).
	PerPoint    int
	Concurrency int
	// Fresh opens a new connection for every request, as phones on mobile data do.
	Fresh bool
	Log   io.Writer
}

// CheckinsReport is the outcome of a run.
type CheckinsReport struct {
	Offered   int
	OK        int
	Errors    map[string]int
	Elapsed   time.Duration
	Rate      float64       // check-ins per second achieved
	CheckIn   Summary       // the POST /api/v1/checkins request alone
	Member    Summary       // ticket exchange + check-in, from the scheduled arrival
	SetupTime time.Duration // creating members, points and invitations
}

func (r CheckinsReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "offered %d check-ins in %s: %d ok (%.0f/s)\n", r.Offered, r.Elapsed.Round(time.Millisecond), r.OK, r.Rate)
	fmt.Fprintf(&b, "  POST /checkins        %s\n", r.CheckIn)
	fmt.Fprintf(&b, "  member (ticket+check-in, from scheduled arrival) %s\n", r.Member)
	for k, v := range r.Errors {
		fmt.Fprintf(&b, "  error %-30s %d\n", k, v)
	}
	return b.String()
}

// Checkins sets up a conference of simulated members and checks them in at the offered
// rate through the real HTTP path: the console's current code, the phone's ticket
// exchange, and the check-in with member code, PIN and idempotency key.
func Checkins(ctx context.Context, cfg CheckinsConfig) (CheckinsReport, error) {
	var rep CheckinsReport
	if cfg.Rate <= 0 {
		return rep, errors.New("load: rate must be positive")
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Members <= 0 {
		cfg.Members = int(cfg.Rate * cfg.Duration.Seconds())
	}
	if cfg.PerPoint <= 0 {
		cfg.PerPoint = 200
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 256
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	admin := &Client{Base: cfg.Base, HTTP: NewHTTPClient(8, false)}
	if err := admin.Login(ctx, cfg.Login, cfg.Password); err != nil {
		return rep, err
	}
	start := time.Now()
	fx, err := setupConference(ctx, admin, cfg.Members, cfg.PerPoint, "Đảng viên", cfg.Log)
	if err != nil {
		return rep, err
	}
	rep.SetupTime = time.Since(start)
	fmt.Fprintf(cfg.Log, "set up %d members at %d points in %s\n", len(fx.members), len(fx.points), rep.SetupTime.Round(time.Millisecond))

	codes := &codeCache{client: admin, byPoint: map[int64]cachedCode{}}
	phone := &Client{Base: cfg.Base, HTTP: NewHTTPClient(cfg.Concurrency, cfg.Fresh)}
	var (
		checkinLat, memberLat Latencies
		ok                    atomic.Int64
		errMu                 sync.Mutex
	)
	rep.Errors = map[string]int{}
	fail := func(err error) {
		key := err.Error()
		var se *StatusError
		if errors.As(err, &se) {
			key = fmt.Sprintf("HTTP %d", se.Status)
		} else if len(key) > 60 {
			key = key[:60]
		}
		errMu.Lock()
		rep.Errors[key]++
		errMu.Unlock()
	}
	type job struct {
		member int
		due    time.Time
	}
	jobs := make(chan job, cfg.Concurrency)
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				m := fx.members[j.member]
				token, err := codes.get(ctx, m.point)
				if err != nil {
					fail(err)
					continue
				}
				var tk struct {
					Ticket string `json:"ticket"`
				}
				if err := phone.Do(ctx, http.MethodPost, "/api/v1/checkins/tickets", map[string]string{"token": token}, &tk); err != nil {
					fail(err)
					continue
				}
				t0 := time.Now()
				err = phone.Do(ctx, http.MethodPost, "/api/v1/checkins", map[string]string{
					"ticket": tk.Ticket, "memberCode": m.code, "pin": loadPIN, "key": randomKey()}, nil)
				now := time.Now()
				if err != nil {
					fail(err)
					continue
				}
				checkinLat.Add(now.Sub(t0))
				memberLat.Add(now.Sub(j.due))
				ok.Add(1)
			}
		}()
	}
	// Arrivals are scheduled at fixed times; latency counts from the scheduled time,
	// so a server that falls behind shows it instead of slowing the generator down.
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	begin := time.Now()
	for i := range fx.members {
		due := begin.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		jobs <- job{member: i, due: due}
		rep.Offered++
	}
	close(jobs)
	wg.Wait()
	rep.Elapsed = time.Since(begin)
	rep.OK = int(ok.Load())
	rep.Rate = float64(rep.OK) / rep.Elapsed.Seconds()
	rep.CheckIn, rep.Member = checkinLat.Summary(), memberLat.Summary()
	return rep, ctx.Err()
}

// loadPIN is every simulated member's PIN.
const loadPIN = "246810"

func randomKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

type simMember struct {
	code  string
	point int64
}

type fixture struct {
	conference int64
	points     []int64
	members    []simMember
}

// setupConference creates a root organization, one chi bộ and point per perPoint
// members, imports the members with one roster, and starts a conference live now.
func setupConference(ctx context.Context, c *Client, members, perPoint int, position string, log io.Writer) (fixture, error) {
	var fx fixture
	run := randomKey()[:6]
	began := time.Now()
	step := func(what string) { fmt.Fprintf(log, "  %-28s %s\n", what, time.Since(began).Round(time.Millisecond)) }
	var root struct {
		ID int64 `json:"id"`
	}
	if err := c.Do(ctx, http.MethodPost, "/api/v1/organizations", map[string]any{
		"code": "LOAD-" + run, "name": "Đảng bộ thử tải " + run, "kind": "dang_bo"}, &root); err != nil {
		return fx, fmt.Errorf("create organization: %w", err)
	}
	npoints := (members + perPoint - 1) / perPoint
	orgs := make([]int64, npoints)
	for i := range orgs {
		var o struct {
			ID int64 `json:"id"`
		}
		if err := c.Do(ctx, http.MethodPost, "/api/v1/organizations", map[string]any{"parentId": root.ID,
			"code": fmt.Sprintf("LOAD-%s-%d", run, i), "name": fmt.Sprintf("Chi bộ thử tải %d", i+1), "kind": "chi_bo"}, &o); err != nil {
			return fx, fmt.Errorf("create chi bộ: %w", err)
		}
		orgs[i] = o.ID
	}
	step("organizations created")
	codes := make([]string, members)
	for start := 0; start < members; start += 50_000 {
		end := min(start+50_000, members)
		var csv strings.Builder
		csv.WriteString("Mã đảng viên;Họ và tên;Mã tổ chức;Chức vụ;PIN\r\n")
		for i := start; i < end; i++ {
			codes[i] = fmt.Sprintf("T%s%06d", run, i)
			fmt.Fprintf(&csv, "%s;Đảng viên thử %d;LOAD-%s-%d;%s;%s\r\n", codes[i], i+1, run, i/perPoint, position, loadPIN)
		}
		if err := c.Upload(ctx, "/api/v1/members/import", "load.csv", []byte(csv.String()), nil); err != nil {
			return fx, fmt.Errorf("import members: %w", err)
		}
		step(fmt.Sprintf("imported %d members", end))
	}
	var conf struct {
		ID int64 `json:"id"`
	}
	now := time.Now().UTC()
	if err := c.Do(ctx, http.MethodPost, "/api/v1/conferences", map[string]any{
		"title": "Hội nghị thử tải " + run, "startsAt": now.Add(20 * time.Minute).Format(time.RFC3339),
		"endsAt": now.Add(4 * time.Hour).Format(time.RFC3339), "checkinLeadMinutes": 60}, &conf); err != nil {
		return fx, fmt.Errorf("create conference: %w", err)
	}
	fx.conference = conf.ID
	fx.points = make([]int64, npoints)
	for i, org := range orgs {
		var p struct {
			ID int64 `json:"id"`
		}
		if err := c.Do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/conferences/%d/points", conf.ID), map[string]any{
			"name": fmt.Sprintf("Điểm cầu thử tải %d", i+1), "organizationIds": []int64{org}}, &p); err != nil {
			return fx, fmt.Errorf("create point: %w", err)
		}
		fx.points[i] = p.ID
	}
	step("points created")
	if err := c.Do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/conferences/%d/start", conf.ID), nil, nil); err != nil {
		return fx, fmt.Errorf("start conference: %w", err)
	}
	step("conference started")
	fx.members = make([]simMember, members)
	for i := range fx.members {
		fx.members[i] = simMember{code: codes[i], point: fx.points[i/perPoint]}
	}
	return fx, nil
}

// codeCache holds each point's current check-in code until it rotates, as the
// point's console would show it: one fetch per point and window, however many members
// scan at that moment.
type codeCache struct {
	client  *Client
	mu      sync.Mutex
	byPoint map[int64]cachedCode
	fetch   singleflight.Group
}

type cachedCode struct {
	token string
	until time.Time
}

func (c *codeCache) get(ctx context.Context, point int64) (string, error) {
	c.mu.Lock()
	cc, ok := c.byPoint[point]
	c.mu.Unlock()
	if ok && time.Now().Before(cc.until) {
		return cc.token, nil
	}
	token, err, _ := c.fetch.Do(strconv.FormatInt(point, 10), func() (any, error) {
		var qr struct {
			CheckInURL string    `json:"checkinUrl"`
			NextAt     time.Time `json:"nextAt"`
		}
		if err := c.client.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/points/%d/qr", point), nil, &qr); err != nil {
			return "", err
		}
		cc := cachedCode{token: qr.CheckInURL[strings.LastIndex(qr.CheckInURL, "/")+1:], until: qr.NextAt}
		c.mu.Lock()
		c.byPoint[point] = cc
		c.mu.Unlock()
		return cc.token, nil
	})
	if err != nil {
		return "", err
	}
	return token.(string), nil
}
