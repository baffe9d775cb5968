package testbed

import (
	"fmt"
	"net"
)

// FreePort returns a TCP port on 127.0.0.1 that was free when it was
// checked. Another process may take it before the caller binds it, so
// callers that can pass a listener instead of a port should do that (Start
// does for the apiserver). It panics if no port can be reserved at all,
// which means the machine is out of ephemeral ports.
func FreePort() int {
	port, err := freePort()
	if err != nil {
		panic(err)
	}
	return port
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("reserve a loopback port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
