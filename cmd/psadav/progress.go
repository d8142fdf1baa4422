package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressEvery is how often long work logs a progress line when it is
// not drawing a bar.
var progressEvery = 5 * time.Second

// progressUI shows how far long work (an import, the connector's first
// pull) is: a bar per stage with rate and ETA when w is a terminal, a log
// line every progressEvery otherwise (a service's journal, a pipe).
type progressUI struct {
	w    io.Writer
	tty  bool
	log  *slog.Logger
	what string // "import", "initial pull"

	mu     sync.Mutex
	bars   map[string]*progressbar.ProgressBar
	starts map[string]time.Time
	last   map[string]time.Time
	// printed: a line of the stage was logged (so its end is logged too)
	printed map[string]bool
}

func newProgress(what string, w io.Writer, log *slog.Logger) *progressUI {
	return &progressUI{w: w, tty: isTerminal(w), log: log, what: what, bars: map[string]*progressbar.ProgressBar{},
		starts: map[string]time.Time{}, last: map[string]time.Time{}, printed: map[string]bool{}}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// update reports done of total for one stage (or entity).
func (p *progressUI) update(stage string, done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	start, ok := p.starts[stage]
	if !ok {
		start = now
		p.starts[stage], p.last[stage] = now, now
	}
	if p.tty {
		p.draw(stage, done, total)
		return
	}
	if done < total && now.Sub(p.last[stage]) < progressEvery {
		return
	}
	if done >= total && !p.printed[stage] && now.Sub(start) < progressEvery {
		return // quick work needs no progress line
	}
	p.last[stage], p.printed[stage] = now, true
	p.log.Info(p.what+" progress", "stage", stage, "done", done, "total", total, "rate", rate(done, now.Sub(start)),
		"eta", eta(done, total, now.Sub(start)))
}

func (p *progressUI) draw(stage string, done, total int) {
	bar := p.bars[stage]
	if bar == nil || bar.GetMax() != total {
		if bar != nil {
			bar.ChangeMax(total) // the projection finds more rows as it goes
		} else {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(p.w), progressbar.OptionSetDescription(p.what+" "+stage),
				progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("records"),
				progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionSetWidth(30), progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }))
			p.bars[stage] = bar
		}
	}
	bar.Set(done)
}

func rate(done int, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f/s", float64(done)/d.Seconds())
}

func eta(done, total int, d time.Duration) string {
	if done <= 0 || done >= total || d <= 0 {
		return "0s"
	}
	return time.Duration(float64(total-done) / float64(done) * float64(d)).Round(time.Second).String()
}
