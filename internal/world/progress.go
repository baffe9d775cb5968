package world

import (
	"context"
	"log/slog"
	"time"
)

// Progress reporting cadence for Apply: a report every progressEvery
// entities, or after progressInterval since the last one, whichever comes
// first, and always one at the end.
const (
	progressEvery    = 5000
	progressInterval = 2 * time.Second
)

// progressClock is the clock of progress reports (a variable for tests;
// Deps.Now is the world's clock for timestamps, often fixed in tests).
var progressClock = time.Now

// LogProgress returns a Deps.Progress that logs one info line per report
// with the counts, the rate in entities per second, the elapsed time and
// an estimate of the time left, so a person applying a world of 100,000
// roles can follow it. name identifies the world in the lines.
func LogProgress(log *slog.Logger, name string) func(done, total int) {
	start := progressClock()
	return func(done, total int) {
		elapsed := progressClock().Sub(start)
		rate := 0.0
		if s := elapsed.Seconds(); s > 0 {
			rate = float64(done) / s
		}
		attrs := []slog.Attr{
			slog.String("world", name),
			slog.Int("done", done),
			slog.Int("total", total),
			slog.Float64("per_second", float64(int64(rate*10))/10),
			slog.Duration("elapsed", elapsed.Round(time.Millisecond)),
		}
		if done < total && rate > 0 {
			left := time.Duration(float64(total-done) / rate * float64(time.Second))
			attrs = append(attrs, slog.Duration("remaining", left.Round(100*time.Millisecond)))
		}
		if total > 0 {
			attrs = append(attrs, slog.Int("percent", done*100/total))
		}
		log.LogAttrs(context.Background(), slog.LevelInfo, "applying world", attrs...)
	}
}
