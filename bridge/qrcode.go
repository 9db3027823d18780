package bridge

import (
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/skip2/go-qrcode"
	"golang.org/x/sync/singleflight"
)

// The bounds of a requested QR image size, in pixels.
const (
	MinQRSize     = 128
	MaxQRSize     = 1024
	DefaultQRSize = 512
)

// Codes renders QR codes as PNG images and keeps each one for a while: a point's
// rotating code is encoded once per window however many consoles, boards and tests
// ask for it (a 512 px PNG costs ~3 ms; docs/design.md §22).
type Codes struct {
	cache    *expirable.LRU[string, []byte]
	matrices *expirable.LRU[string, []string]
	group    singleflight.Group
}

// NewCodes returns a renderer whose images live ttl (make it a little over two
// rotation windows) and of which at most max are kept.
func NewCodes(max int, ttl time.Duration) *Codes {
	return &Codes{cache: expirable.NewLRU[string, []byte](max, nil, ttl),
		matrices: expirable.NewLRU[string, []string](max, nil, ttl)}
}

// Level is how much of a code may be damaged and still read.
type Level = qrcode.RecoveryLevel

// Recovery levels: Medium for codes on screens (fewer, larger modules read from afar),
// High for printed sheets that get folded and stained.
const (
	LevelMedium = qrcode.Medium
	LevelHigh   = qrcode.High
)

// PNG returns the QR code of content as a size × size PNG.
func (c *Codes) PNG(content string, size int, level Level) ([]byte, error) {
	if size < MinQRSize || size > MaxQRSize {
		return nil, fmt.Errorf("bridge: QR size %d outside %d–%d", size, MinQRSize, MaxQRSize)
	}
	key := strconv.Itoa(size) + "|" + strconv.Itoa(int(level)) + "|" + content
	if b, ok := c.cache.Get(key); ok {
		return b, nil
	}
	v, err, _ := c.group.Do(key, func() (any, error) {
		b, err := qrcode.Encode(content, level, size)
		if err != nil {
			return nil, fmt.Errorf("bridge: encode QR: %w", err)
		}
		c.cache.Add(key, b)
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

// Matrix returns the modules of content's QR code, quiet zone included, one string of
// '0' and '1' per row: a console draws it on a canvas at any size, so the server
// encodes no image (a third of the cost of a PNG; docs/design.md §22).
func (c *Codes) Matrix(content string) ([]string, error) {
	if m, ok := c.matrices.Get(content); ok {
		return m, nil
	}
	v, err, _ := c.group.Do("m|"+content, func() (any, error) {
		q, err := qrcode.New(content, LevelMedium)
		if err != nil {
			return nil, fmt.Errorf("bridge: encode QR: %w", err)
		}
		bits := q.Bitmap()
		rows := make([]string, len(bits))
		buf := make([]byte, 0, len(bits))
		for i, row := range bits {
			buf = buf[:0]
			for _, on := range row {
				if on {
					buf = append(buf, '1')
				} else {
					buf = append(buf, '0')
				}
			}
			rows[i] = string(buf)
		}
		c.matrices.Add(content, rows)
		return rows, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]string), nil
}
