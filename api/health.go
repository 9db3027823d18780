package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// httpMetrics are the request metrics served at /metrics.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	logins   *prometheus.CounterVec
	checkins *prometheus.CounterVec
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "diemcau_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "diemcau_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "diemcau_logins_total", Help: "Sign-in attempts by result.",
		}, []string{"result"}),
		checkins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "diemcau_checkins_total", Help: "Member check-ins by result (created, already, moved).",
		}, []string{"result"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.logins, m.checkins} {
		// A registry shared by two servers (tests) already has them; keep the first.
		if err := reg.Register(c); err != nil {
			if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
				switch c {
				case m.requests:
					m.requests = are.ExistingCollector.(*prometheus.CounterVec)
				case m.duration:
					m.duration = are.ExistingCollector.(*prometheus.HistogramVec)
				case m.logins:
					m.logins = are.ExistingCollector.(*prometheus.CounterVec)
				case m.checkins:
					m.checkins = are.ExistingCollector.(*prometheus.CounterVec)
				}
			}
		}
	}
	return m
}

// observe logs one line per request and counts it. It logs the route pattern, never
// the raw path or query, which may carry tokens.
func (s *Server) observe() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		status := c.Writer.Status()
		d := time.Since(start)
		s.metrics.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(status)).Inc()
		s.metrics.duration.WithLabelValues(route, c.Request.Method).Observe(d.Seconds())
		if route == "/healthz" || route == "/readyz" || route == "/metrics" {
			return
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(c.Request.Context(), level, "request",
			slog.String("method", c.Request.Method), slog.String("route", route), slog.Int("status", status),
			slog.Duration("duration", d), slog.Int("bytes", c.Writer.Size()))
	}
}

// handleHealthz handles GET /healthz: the process is up.
func (s *Server) handleHealthz() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok", "version": s.cfg.Version})
	}
}

// handleReadyz handles GET /readyz: the database answers within two seconds.
func (s *Server) handleReadyz() gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		if err := s.store.Ping(ctx); err != nil {
			s.log.WarnContext(ctx, "not ready", "err", err)
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "database": "down"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ok", "database": "up"})
	}
}
