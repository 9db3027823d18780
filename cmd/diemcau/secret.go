package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// secretFileName is the file in the data directory that keeps a generated server
// secret, written as "base64:…", a form DIEMCAU_SECRET and DIEMCAU_SECRET_FILE accept
// too, so the file can be handed to other instances as it is.
const secretFileName = "secret"

// errNoSecret means a command that must not make a secret up (audit verify) found
// none.
var errNoSecret = errors.New("no server secret")

// legacySecrets is what serverSecret needs of the database: the secret versions before
// the keyed audit log generated and kept there.
type legacySecrets interface {
	LegacySecret(ctx context.Context) (string, error)
	DropLegacySecret(ctx context.Context) error
}

// serverSecret returns the server secret, from the first of: DIEMCAU_SECRET (or
// _FILE); the secret file in the data directory; a secret an earlier version generated
// and kept in the database, moved to that file; a new one written there, when generate
// is true (else errNoSecret). The secret is kept out of the database because the audit
// log's key is derived from it: whoever can read the database must not be able to
// re-chain the log. A secret left in the database is removed once the file holds it.
func serverSecret(ctx context.Context, cfg config, db legacySecrets, generate bool, log *slog.Logger) ([]byte, error) {
	legacy, err := db.LegacySecret(ctx)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(cfg.DataDir, secretFileName)
	secret := cfg.Secret
	if secret == nil {
		if secret, err = readSecretIn(path, log); err != nil {
			return nil, err
		}
	}
	switch {
	case secret != nil:
	case legacy != "":
		if secret, err = keepSecret(path, "base64:"+legacy); err != nil {
			return nil, err
		}
		log.Info("moved the generated server secret out of the database", "file", path)
	case generate:
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		if secret, err = keepSecret(path, "base64:"+base64.RawStdEncoding.EncodeToString(b)); err != nil {
			return nil, err
		}
		log.Info("generated the server secret", "file", path)
	default:
		return nil, fmt.Errorf("%w: set DIEMCAU_SECRET or DIEMCAU_SECRET_FILE, or run where DIEMCAU_DATA_DIR holds the "+
			"server's secret file (%s)", errNoSecret, path)
	}
	if legacy != "" {
		if err := db.DropLegacySecret(ctx); err != nil {
			return nil, err
		}
	}
	return secret, nil
}

// readSecretIn reads the secret file at path; nil when there is none.
func readSecretIn(path string, log *slog.Logger) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("server secret: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the server secret file can be read by others; make it 0600", "file", path, "mode", fi.Mode().Perm().String())
	}
	secret, err := decodeSecret(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("server secret %s: %w", path, err)
	}
	return secret, nil
}

// keepSecret writes content to the file at path (0600, in a 0700 directory) unless it
// exists, and returns the secret the file then holds: when several processes start at
// once on one data directory, the first file written wins and all use it.
func keepSecret(path, content string) ([]byte, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("server secret: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".secret-*") // 0600
	if err != nil {
		return nil, fmt.Errorf("server secret: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(content + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("server secret: %w", err)
	}
	// A link, unlike a rename, never replaces a file another process wrote first.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("server secret: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("server secret: %w", err)
	}
	return decodeSecret(strings.TrimSpace(string(b)))
}

// decodeSecret turns a configured secret into its bytes: the text as it is, or, after
// "base64:", the bytes it encodes (with or without padding), so that a secret of any
// bytes, such as the one earlier versions generated, can be written down. It must
// have at least 32 bytes.
func decodeSecret(s string) ([]byte, error) {
	b := []byte(s)
	if rest, ok := strings.CutPrefix(s, "base64:"); ok {
		var err error
		if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(rest, "=")); err != nil {
			return nil, errors.New("after base64: want base64")
		}
	}
	if len(b) < 32 {
		return nil, errors.New("want at least 32 bytes")
	}
	return b, nil
}
