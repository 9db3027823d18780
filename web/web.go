// Package web holds the pages, static files and translations, embedded in the binary
// so a single file runs the service. Pages are html/template; scripts are plain
// JavaScript with no build step.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:templates all:static all:i18n all:fonts
var files embed.FS

// Templates holds the page templates (*.html).
func Templates() fs.FS { return sub("templates") }

// Static holds the files served under /static/.
func Static() fs.FS { return sub("static") }

// I18n holds one message file per language: vi.json, en.json.
func I18n() fs.FS { return sub("i18n") }

// Font returns an embedded font file, e.g. "LiberationSerif-Regular.ttf".
func Font(name string) ([]byte, error) { return files.ReadFile("fonts/" + name) }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		// fs.Sub fails only for an invalid path, and these are constants.
		panic(err)
	}
	return f
}
