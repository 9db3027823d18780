package api

import (
	"encoding/json"
	"fmt"
	"io/fs"

	"github.com/gin-gonic/gin"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// languages are the page prefixes, the default first.
var languages = []string{"vi", "en"}

var langMatcher = language.NewMatcher([]language.Tag{language.Vietnamese, language.English})

// translator holds every message in Vietnamese and English.
type translator struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
}

func newTranslator(files fs.FS) (*translator, error) {
	b := i18n.NewBundle(language.Vietnamese)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	t := &translator{bundle: b, localizers: map[string]*i18n.Localizer{}}
	// Each language has vi.json/en.json and may have more files named like
	// checkin.vi.json; go-i18n reads the language from the name.
	names, err := fs.Glob(files, "*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := b.LoadMessageFileFS(files, name); err != nil {
			return nil, fmt.Errorf("api: load messages %s: %w", name, err)
		}
	}
	for _, lang := range languages {
		t.localizers[lang] = i18n.NewLocalizer(b, lang)
	}
	return t, nil
}

// T returns message id in lang, filled from data. A missing message shows its id, so a
// gap is visible rather than fatal; a test checks both files have the same ids.
func (t *translator) T(lang, id string, data ...any) string {
	l, ok := t.localizers[lang]
	if !ok {
		l = t.localizers[languages[0]]
	}
	cfg := &i18n.LocalizeConfig{MessageID: id}
	if len(data) > 0 {
		cfg.TemplateData = data[0]
	}
	s, err := l.Localize(cfg)
	if err != nil {
		return id
	}
	return s
}

// First returns the first of ids there is a message for, in lang, filled from data; the
// last id as T shows it when there is none. It lets a specific message stand in for a
// general one where there is one to say.
func (t *translator) First(lang string, data any, ids ...string) string {
	l, ok := t.localizers[lang]
	if !ok {
		l = t.localizers[languages[0]]
	}
	for _, id := range ids[:len(ids)-1] {
		if s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data}); err == nil {
			return s
		}
	}
	return t.T(lang, ids[len(ids)-1], data)
}

// setLang fixes the language of a page group.
func setLang(lang string) gin.HandlerFunc {
	return func(c *gin.Context) { c.Set(ctxLang, lang) }
}

const (
	ctxLang      = "lang"
	cookieLang   = "diemcau_lang"
	ctxPrincipal = "principal"
	ctxToken     = "token"
	ctxByCookie  = "byCookie"
)

// lang is the language of a response: the page's prefix, else Accept-Language,
// else Vietnamese.
func lang(c *gin.Context) string {
	if l := c.GetString(ctxLang); l != "" {
		return l
	}
	tags, _, err := language.ParseAcceptLanguage(c.GetHeader("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return languages[0]
	}
	_, i, conf := langMatcher.Match(tags...)
	if conf == language.No {
		return languages[0]
	}
	return languages[i]
}

// pageLang picks the language for a redirect to the pages: the remembered choice,
// else the browser's.
func (s *Server) pageLang(c *gin.Context) string {
	if v, err := c.Cookie(cookieLang); err == nil {
		for _, l := range languages {
			if v == l {
				return l
			}
		}
	}
	return lang(c)
}
