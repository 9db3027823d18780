package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeVersion is the axe-core release the pages are checked with (npm registry).
const axeVersion = "4.14.1"

var axe struct {
	once sync.Once
	src  string
	err  error
}

// axeSource returns axe.min.js: from DIEMCAU_AXE (a path to it), else installed once
// per run with npm into a temporary folder. With DIEMCAU_E2E=1 a missing npm or a
// failed install fails the test: the accessibility check is part of the browser tests.
func axeSource(t *testing.T) string {
	t.Helper()
	axe.once.Do(func() {
		path := os.Getenv("DIEMCAU_AXE")
		if path == "" {
			dir, err := os.MkdirTemp("", "diemcau-axe-")
			if err != nil {
				axe.err = err
				return
			}
			out, err := exec.Command("npm", "install", "--prefix", dir, "--no-audit", "--no-fund", "--silent",
				"axe-core@"+axeVersion).CombinedOutput()
			if err != nil {
				axe.err = fmt.Errorf("npm install axe-core: %v: %s", err, out)
				return
			}
			path = filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
		}
		b, err := os.ReadFile(path)
		axe.src, axe.err = string(b), err
	})
	if axe.err != nil {
		t.Fatalf("axe-core: %v", axe.err)
	}
	return axe.src
}

// axeResult is what the check reports of one violated rule.
type axeResult struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// checkA11y runs axe-core in the current page against WCAG 2.2 A and AA and fails the
// test on any violation, naming the rule and the elements.
func checkA11y(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	src := axeSource(t)
	if ok := value(t, ctx, "has axe", chromedp.Evaluate[bool](`typeof window.axe === "object"`)); !ok {
		step(t, ctx, "load axe", chromedp.Evaluate[chromedp.Void](src))
	}
	run := chromedp.Evaluate[[]axeResult](`axe.run(document, {runOnly: {type: "tag",
		values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}).then(r => r.violations.map(v => ({
		id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(" ")).slice(0, 8)})))`,
		chromedp.EvalAwaitPromise)
	for _, v := range value(t, ctx, "axe "+page, run) {
		t.Errorf("%s: axe %s (%s): %s — %s", page, v.ID, v.Impact, v.Help, strings.Join(v.Targets, " | "))
	}
}
