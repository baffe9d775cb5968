package testbed_test

import (
	"context"
	"fmt"
	"os"

	"github.com/trustbridge/trustbridge/test/e2e/testbed"
)

// One cluster can serve every test of a package: start it in TestMain,
// keep it in a package variable and print its logs only when a test
// failed.
//
//	var cluster *testbed.Cluster
//
//	func TestMain(m *testing.M) {
//		var err error
//		cluster, err = testbed.StartCluster(context.Background(), testbed.Options{})
//		if err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//		code := m.Run()
//		if code != 0 {
//			fmt.Fprintln(os.Stderr, cluster.DiagnosticLogs())
//		}
//		if err := cluster.Close(); err != nil {
//			fmt.Fprintln(os.Stderr, err)
//		}
//		os.Exit(code)
//	}
func ExampleStartCluster() {
	c, err := testbed.StartCluster(context.Background(), testbed.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer c.Close()
	fmt.Println(c.IssuerURL == c.URL)
}
