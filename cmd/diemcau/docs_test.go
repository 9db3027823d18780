package main

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the repository, seen from this package.
const root = "../.."

// designSections returns the citable places of docs/design.md: each section (§N), each
// subsection (§N.M) and each numbered rule of a section (§N.M, its M-th list item).
func designSections(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "docs", "design.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		heading = regexp.MustCompile(`^##+ (\d+(?:\.\d+)?)\.? `)
		item    = regexp.MustCompile(`^(\d+)\. `)
		ids     = map[string]bool{}
		section string
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := heading.FindStringSubmatch(line); m != nil {
			ids[m[1]] = true
			if !strings.Contains(m[1], ".") {
				section = m[1]
			}
		} else if m := item.FindStringSubmatch(line); m != nil && section != "" {
			ids[section+"."+m[1]] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// repoTexts calls fn with every text file of the repository that may cite the design:
// Go, Markdown, YAML, templates, scripts and CI.
func repoTexts(t *testing.T, fn func(path string, text []byte)) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == "node_modules" || name == "data" && path == filepath.Join(root, "data") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".md", ".yaml", ".html", ".js", ".css", ".json", ".sh":
		default:
			if filepath.Base(filepath.Dir(path)) != ".ci" {
				return nil
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		fn(rel, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDocs_Citations keeps the code's citations of the design valid: every
// "docs/design.md §N" (or §N.M, lists and ranges of them) names a section, subsection
// or numbered rule that exists, and so does every "§N" inside design.md itself. The
// project carries its own design: nothing cites design or testing notes that are not
// in the repository.
func TestDocs_Citations(t *testing.T) {
	ids := designSections(t)
	for _, want := range []string{"3", "10", "18", "18.4", "18.7", "20", "22"} {
		if !ids[want] {
			t.Fatalf("docs/design.md has no §%s; found %v", want, ids)
		}
	}
	var (
		// A comment may wrap a citation onto its next line: "docs/design.md\n// §14".
		wrap     = regexp.MustCompile(`\n\s*(//|#)?\s*`)
		citation = regexp.MustCompile(`docs/design\.md\s+(§[\d.]*\d(?:(?:,\s*|\s+and\s+|–)§[\d.]*\d)*)`)
		section  = regexp.MustCompile(`§(\d+(?:\.\d+)?)`)
		outside  = regexp.MustCompile(`\b(DESIGN|TESTING|PERFORMANCE|STYLE)\.md\b`)
	)
	cited := 0
	repoTexts(t, func(path string, text []byte) {
		if m := outside.Find(text); m != nil && path != filepath.Join("cmd", "diemcau", "docs_test.go") {
			t.Errorf("%s cites %s, which is not in the repository: cite docs/design.md or docs/testing.md", path, m)
		}
		var refs [][]byte
		if path == filepath.Join("docs", "design.md") {
			refs = [][]byte{text}
		} else {
			for _, m := range citation.FindAllSubmatch(wrap.ReplaceAll(text, []byte(" ")), -1) {
				refs = append(refs, m[1])
			}
		}
		for _, r := range refs {
			for _, m := range section.FindAllSubmatch(r, -1) {
				cited++
				if id := string(m[1]); !ids[id] {
					t.Errorf("%s cites docs/design.md §%s, which does not exist", path, id)
				}
			}
		}
		if bytes.Contains(text, []byte("docs/testing.md")) {
			if _, err := os.Stat(filepath.Join(root, "docs", "testing.md")); err != nil {
				t.Errorf("%s cites docs/testing.md: %v", path, err)
			}
		}
	})
	if cited < 20 {
		t.Errorf("found %d citations of the design, want the code's (at least 20): is the pattern still right?", cited)
	}
}
