package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
)

// cmdReport prints the comparison table of result files: one row per run,
// and for each trustbridge scenario the ratio of its throughput to every
// peer measured on the same scenario.
func cmdReport(args []string) error {
	var results []Result
	for _, path := range args {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var r Result
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		results = append(results, r)
	}
	return writeReport(os.Stdout, results)
}

// baseWorld is the scale step every other step is compared with.
const baseWorld = "0-extra-roles"

// writeReport writes the table of results to w, sorted by scenario with
// trustbridge first; a trustbridge row carries its throughput ratio to
// every other system measured on the same scenario, and a scale row its
// ratio to the same scenario on the base world.
func writeReport(w io.Writer, results []Result) error {
	sort.SliceStable(results, func(i, j int) bool {
		if results[i].Scenario != results[j].Scenario {
			return results[i].Scenario < results[j].Scenario
		}
		return results[i].System > results[j].System // trustbridge first
	})
	peers := map[string]map[string]float64{} // scenario -> system -> rps
	for _, r := range results {
		if peers[r.Scenario] == nil {
			peers[r.Scenario] = map[string]float64{}
		}
		peers[r.Scenario][r.System] = r.RPS
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tsystem\treq/s\tp50 ms\tp99 ms\tCPU s/1k req\tpeak RSS MB\terrors\tvs peers\truns: req/s, p99 ms\t")
	for _, r := range results {
		var ratios []string
		if r.System == "trustbridge" {
			var names []string
			for sys := range peers[r.Scenario] {
				if sys != "trustbridge" {
					names = append(names, sys)
				}
			}
			sort.Strings(names)
			for _, sys := range names {
				if v := peers[r.Scenario][sys]; v > 0 {
					ratios = append(ratios, ratio(r.RPS/v)+" "+sys)
				}
			}
			// A scale row (NAME@N-extra-roles) is compared with the same
			// scenario on the base world (NAME@0-extra-roles).
			if name, size, ok := strings.Cut(r.Scenario, "@"); ok && size != baseWorld {
				if v := peers[name+"@"+baseWorld]["trustbridge"]; v > 0 {
					ratios = append(ratios, fmt.Sprintf("%.2f× @0", r.RPS/v))
				}
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.2f\t%.2f\t%.3f\t%.0f\t%d\t%s\t%s\t\n", r.Scenario, r.System, r.RPS, r.P50ms, r.P99ms, r.CPUPer1k, r.PeakRSSMB, r.Errors, strings.Join(ratios, ", "), runRange(r))
	}
	return tw.Flush()
}

// runRange describes a median-of-runs row: the number of runs and the
// range of their throughput and p99 ("median of 3: 25123–31234, 1.20–1.89").
// Empty for a single run.
func runRange(r Result) string {
	if r.Runs < 2 || len(r.RunRPS) == 0 || len(r.RunP99ms) == 0 {
		return ""
	}
	return fmt.Sprintf("median of %d: %.0f–%.0f, %.2f–%.2f", r.Runs, slices.Min(r.RunRPS), slices.Max(r.RunRPS), slices.Min(r.RunP99ms), slices.Max(r.RunP99ms))
}

// ratio formats a throughput ratio: whole numbers from 10 up, two decimals
// below (0.93× against the net/http floor, 2.50× against a close peer).
func ratio(x float64) string {
	if x >= 10 {
		return fmt.Sprintf("%.0f×", x)
	}
	return fmt.Sprintf("%.2f×", x)
}
