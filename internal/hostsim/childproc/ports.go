package childproc

import (
	"fmt"
	"net"
)

// FreePorts returns n distinct free ports on 127.0.0.1, found by listening
// on :0; the listeners are closed so a child can bind them. Another process
// may take one in between: callers must detect that and retry.
func FreePorts(n int) ([]int, error) {
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("reserve a free port: %w", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
